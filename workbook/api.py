"""The application layer's front door: every use case a door (command line, ribbon,
assistant) may call, by name. Each lives in the `steps` module of its capability."""
from __future__ import annotations

from .steps.bundle import BundleRun, build_bundle
from .steps.common import errors_in, output_dir, write_json
from .steps.count import (CompareRun, TallyRun, VerifyRun, check_workbook, read_recorded_fingerprints, run_compare,
                          run_tally, run_verify)
from .steps.documents import FormsRun, NoticesRun, run_forms, run_notices
from .plans import prepare_blockers
from .steps.edits import ImportRun, PrepareRun, RectifyRun, run_import_comments, run_prepare, run_rectify
from .steps.follow_up import (CarryRun, LedgerMergeRun, LedgerSplitRun, ProgressRun, run_carry, run_ledger_merge,
                              run_ledger_split, run_progress)
from .steps.mailing import MailPlan, SendResult, mail_password, plan_mail, send_planned, write_drafts
from .steps.setup import DemoRun, new_workbook, run_demo
from .steps.totals import (PrepareTotalsRun, TotalsCompareRun, books_in_totals_mode, new_demo_totals,
                           run_compare_totals, run_prepare_totals, write_totals_copy)

__all__ = [
    "errors_in", "output_dir", "write_json",
    "CompareRun", "TallyRun", "VerifyRun", "check_workbook", "read_recorded_fingerprints", "run_compare",
    "run_tally", "run_verify",
    "FormsRun", "NoticesRun", "run_forms", "run_notices",
    "ImportRun", "PrepareRun", "RectifyRun", "prepare_blockers", "run_import_comments", "run_prepare", "run_rectify",
    "CarryRun", "LedgerMergeRun", "LedgerSplitRun", "ProgressRun", "run_carry", "run_ledger_merge",
    "run_ledger_split", "run_progress",
    "MailPlan", "SendResult", "mail_password", "plan_mail", "send_planned", "write_drafts",
    "DemoRun", "new_workbook", "run_demo",
    "BundleRun", "build_bundle",
    "PrepareTotalsRun", "TotalsCompareRun", "books_in_totals_mode", "new_demo_totals", "run_compare_totals",
    "run_prepare_totals", "write_totals_copy",
]
