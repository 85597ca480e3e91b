"""Every batch job and batch-backed end-of-day step: importing this module registers them all.

bootstrap imports it, so the CLI (`anju batch run NAME`), end of day and the web see the same set.
Capabilities add their module here.
"""

from anju.batch import annual_interest  # noqa: F401
from anju.services import deferrals  # noqa: F401 - the end-of-day step ending deferrals
