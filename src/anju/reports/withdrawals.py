"""提取回单 (withdrawal receipt) as PDF, with the building blocks of reports/pdf.py."""

from __future__ import annotations

from typing import cast

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from anju.domain.documents import Document, amount_in_words, verification_code
from anju.domain.withdrawals import WithdrawalReceipt
from anju.reports.pdf import Digest, Footer, build_pdf, key_value_block, paragraph, title_block, yuan

RECEIPT_KIND = "withdrawal_receipt"
TITLE = "住房公积金提取回单"


def render_withdrawal_receipt(doc: WithdrawalReceipt, crypto: Digest) -> bytes:
    code = verification_code(crypto.sm3, RECEIPT_KIND, cast(Document, doc))
    issued = doc.issued
    branch = f"（{issued.branch_name}）" if issued.branch_name else ""
    story: list[Flowable] = title_block(
        TITLE, f"{issued.centre_name}{branch}    会计日期：{issued.business_date.isoformat()}"
    )
    pairs = [
        ("提取业务编号", doc.withdrawal_no),
        ("办件编号", doc.case_no),
        ("个人账号", doc.member_account_no),
        ("姓名", doc.member_name_masked),
        ("提取原因", f"{doc.reason_name}（{doc.standard_code}）"),
        ("提取类型", "销户提取（12）" if doc.closing else "部分提取（11）"),
        ("提取方式", "转账（02）"),
        ("提取本金", yuan(doc.principal)),
        ("销户结息", yuan(doc.interest)),
        ("付款金额（小写）", yuan(doc.total)),
        ("付款金额（大写）", amount_in_words(doc.total)),
        ("收款人", doc.payee_name_masked),
        ("收款账号", doc.payee_card_masked),
        ("受理日期", doc.accepted_on.isoformat()),
        ("付款日期", doc.paid_on.isoformat() if doc.paid_on else "—（银行处理中）"),
        ("业务状态", doc.state_label),
        ("回单校验码", code),
    ]
    story.append(key_value_block(pairs))
    story.append(Spacer(1, 6 * mm))
    story.append(
        paragraph(
            "上述款项由住房公积金管理中心委托银行划入收款账户。本回单可凭校验码向本中心核验。", small=True
        )
    )
    footer = Footer(
        centre_name=issued.centre_name,
        code=code,
        printed_at=issued.printed_at.strftime("%Y-%m-%d %H:%M:%S"),
        operator=issued.operator,
    )
    return build_pdf(story, title=TITLE, footer=footer)
