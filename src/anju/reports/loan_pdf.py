"""Loan documents as PDF: the loan contract (借款合同) and the settlement certificate (结清证明),
on the building blocks of reports/pdf.py (CJK font, ruled grids, footer with 校验码)."""

from __future__ import annotations

from typing import Final

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from anju.domain.documents import IssuedBy, amount_in_words
from anju.domain.loans.documents import (
    CONTRACT,
    SETTLEMENT_CERTIFICATE,
    TITLES,
    LoanContract,
    LoanDocument,
    SettlementCertificate,
    verification_code,
)
from anju.reports.pdf import (
    Digest,
    Footer,
    TableColumn,
    build_pdf,
    data_table,
    key_value_block,
    paragraph,
    title_block,
    yuan,
)

SCHEDULE_COLUMNS: Final = (
    TableColumn("期次", 6, "CENTER"),
    TableColumn("还款日", 12, "CENTER"),
    TableColumn("月还款额", 12, "RIGHT"),
    TableColumn("本金", 12, "RIGHT"),
    TableColumn("利息", 12, "RIGHT"),
    TableColumn("剩余本金", 14, "RIGHT"),
)


def _footer(issued: IssuedBy, code: str) -> Footer:
    return Footer(
        centre_name=issued.centre_name,
        code=code,
        printed_at=issued.printed_at.strftime("%Y-%m-%d %H:%M:%S"),
        operator=issued.operator,
    )


def _subtitle(issued: IssuedBy) -> str:
    branch = f"（{issued.branch_name}）" if issued.branch_name else ""
    return f"{issued.centre_name}{branch}    会计日期：{issued.business_date.isoformat()}"


def render_contract(doc: LoanContract, crypto: Digest) -> bytes:
    code = verification_code(crypto.sm3, CONTRACT, doc)
    title = TITLES[CONTRACT]
    story: list[Flowable] = title_block(title, _subtitle(doc.issued))
    story.append(
        key_value_block(
            [
                ("合同编号", doc.contract_no),
                ("贷款编号", doc.loan_no),
                ("借款人", doc.borrower_name_masked),
                ("证件号码", doc.borrower_id_masked),
                ("共同借款人", doc.co_borrower_name_masked or "—"),
                ("签订日期", doc.signed_on.isoformat()),
                ("房屋坐落", doc.house_address),
                ("房屋价格", yuan(doc.house_price)),
                ("借款金额（小写）", yuan(doc.amount)),
                ("借款金额（大写）", amount_in_words(doc.amount)),
                ("借款期限", f"{doc.term_months} 个月"),
                ("还款方式", doc.method_label),
                ("年利率", f"{doc.annual_rate_percent}%"),
                ("担保方式", doc.guarantee),
                ("收款人（售房人）", doc.seller_name),
                ("利息合计（按合同利率）", yuan(doc.total_interest)),
            ]
        )
    )
    story.append(Spacer(1, 4 * mm))
    story.append(
        paragraph(
            f"利率依据：{doc.rate_source}。利率调整时，按国家规定于次年1月1日起执行新利率。", small=True
        )
    )
    story.append(Spacer(1, 3 * mm))
    rows = [
        (
            str(line.instalment_no),
            line.due_date.isoformat(),
            line.payment.format_cn(),
            line.principal.format_cn(),
            line.interest.format_cn(),
            line.closing_balance.format_cn(),
        )
        for line in doc.first_lines
    ]
    story.append(data_table(SCHEDULE_COLUMNS, rows))
    story.append(Spacer(1, 4 * mm))
    story.append(
        paragraph(
            "借款人应按约定还款日足额归还贷款本息；逾期归还的，按合同利率加收50%计收罚息。"
            "贷款发放以受托银行划付至售房人账户为准，实际还款计划以放款日生成的还款计划为准。"
        )
    )
    story.append(Spacer(1, 10 * mm))
    story.append(paragraph("借款人（签字）：                    贷款人（盖章）：" + doc.issued.centre_name))
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


def render_settlement(doc: SettlementCertificate, crypto: Digest) -> bytes:
    code = verification_code(crypto.sm3, SETTLEMENT_CERTIFICATE, doc)
    title = TITLES[SETTLEMENT_CERTIFICATE]
    story: list[Flowable] = title_block(title, _subtitle(doc.issued))
    story.append(
        paragraph(
            f"兹证明借款人 {doc.borrower_name_masked}（证件号码 {doc.borrower_id_masked}）"
            f"在本中心办理的住房公积金贷款已于 {doc.settled_on.isoformat()} 全部结清。"
        )
    )
    story.append(Spacer(1, 3 * mm))
    story.append(
        key_value_block(
            [
                ("贷款编号", doc.loan_no),
                ("合同编号", doc.contract_no),
                ("房屋坐落", doc.house_address),
                ("抵押登记证明号", doc.mortgage_no),
                ("贷款金额", yuan(doc.amount)),
                ("放款日期", doc.disbursed_on.isoformat()),
                ("累计归还本金", yuan(doc.principal_repaid)),
                ("累计支付利息", yuan(doc.interest_paid)),
                ("结清日期", doc.settled_on.isoformat()),
                ("剩余本金", "0.00 元"),
            ]
        )
    )
    story.append(Spacer(1, 5 * mm))
    story.append(paragraph("借款人可持本证明办理抵押权注销登记。特此证明。"))
    story.append(Spacer(1, 10 * mm))
    story.append(paragraph(f"{doc.issued.centre_name}（业务专用章）"))
    story.append(Spacer(1, 4 * mm))
    story.append(paragraph("个人信息已按规定脱敏。收件单位可凭页脚校验码向本中心核验真伪。", small=True))
    return build_pdf(story, title=title, footer=_footer(doc.issued, code))


def render(doc: LoanDocument, crypto: Digest) -> bytes:
    if isinstance(doc, LoanContract):
        return render_contract(doc, crypto)
    return render_settlement(doc, crypto)
