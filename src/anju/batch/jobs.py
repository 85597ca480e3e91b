"""Every batch job and batch-backed end-of-day step: importing this module registers them all.

bootstrap imports it, so the CLI (`anju batch run NAME`), end of day and the web see the same set.
Capabilities add their module here.
"""

from anju.batch import (
    annual_interest,  # noqa: F401
    loan_jobs,  # noqa: F401 - loans: deduction, 冲还贷, overdue, 五级分类, repricing
    withdrawal_agreements,  # noqa: F401 - withdrawals: 约定提取 batch job
)
from anju.services import (
    deferrals,  # noqa: F401 - the end-of-day step ending deferrals
    withdrawals,  # noqa: F401 - withdrawals: bank payment outcome listeners
)
