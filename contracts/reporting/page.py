"""The layout of report.html around pytest-html's page, for a QA reader: verdict, target and per-status table on top,
the target checks next, the offline property tests folded into one group below them, pytest's environment last.

pytest-html renders its results table with JavaScript; the style and the script here ride in the summary prefix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape

from contracts.core.wording import counted

FOLDED_OUTCOMES = ("passed", "skipped")  # a failed or erroring property test stays in the table, expanded
OFFLINE_GROUP_ID = "offline-tests"

# Text with at least 4.5:1 contrast on its background (WCAG AA): pytest-html's #999 grey, orange and red are not.
# The summary column gets the page's width; a row whose log is gone (shown once, in the extras) keeps no grey box.
STYLE = """<style>
body, #results-table, #environment td { color: #222; }
a, .filters button, .collapse button { color: #0b57d0; }
span.passed, .passed .col-result { color: #1a7f37; }
span.skipped, span.xfailed, span.rerun, .skipped .col-result, .xfailed .col-result, .rerun .col-result { color: #8a5300; }
span.error, span.failed, span.xpassed, .error .col-result, .failed .col-result, .xpassed .col-result { color: #b00020; }
.summary__data { flex: 1 1 auto; }
.summary__spacer, .summary__data > h2:first-child { display: none; }
.per-status th { background: #f0f0f0; }
.logwrapper:not(:has(.log)) { display: none; }
#offline-tests { margin: 12px 0; font-size: 13px; }
#offline-tests summary { cursor: pointer; font-weight: bold; }
#offline-tests ul { columns: 2; }
mark { background: #ffe08a; color: #222; }
p.filter, .filters input[disabled], .filters input[disabled] + span { display: none; }
</style>"""

# A page with no pytest-html around it (replay, load) reads in pytest-html's sans-serif too.
PAGE_STYLE = "<style>body { font-family: Helvetica, Arial, sans-serif; font-size: 14px; } pre, code { font-size: 12px; }</style>" + STYLE

# After pytest-html's own script: the folded group right below the results table, then the environment table;
# pytest-html's second timestamp ("Report generated on …", local time) goes, the banner's UTC one stays; its run count
# ("7 tests took …", the rows left in its table) gives way to the run's own (`run_count_html`). Its filter hint and
# the outcomes no test had (0 reruns, 0 expected failures) are hidden by the style above.
SCRIPT = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var table = document.getElementById("results-table");
  var group = document.getElementById("offline-tests");
  var after = table;
  if (group) { after.after(group); after = group; }
  ["environment-header", "environment"].forEach(function (id) {
    var element = document.getElementById(id);
    if (element) { after.after(element); after = element; }
  });
  var generated = document.querySelector("#title + p");
  if (generated) { generated.remove(); }
  var count = document.querySelector(".run-count"), ours = document.getElementById("contract-run-count");
  if (count && ours) { count.textContent = ours.textContent; }
});
</script>"""


@dataclass
class FoldedTests:
    """The offline property tests kept out of the results table: their outcomes and names, shown as one group."""

    names: dict[str, str] = field(default_factory=dict)  # test id -> outcome

    def add(self, test_id: str, outcome: str) -> None:
        self.names[test_id] = outcome

    def html(self, shown_in_table: Counter) -> str:
        """A collapsed group with its counts; `shown_in_table` counts the property tests that failed (kept in the table)."""
        counts = Counter(self.names.values()) + shown_in_table
        if not counts:
            return ""
        total = sum(counts.values())
        tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        failed = sum(shown_in_table.values())
        note = f" The {failed} that did not pass are in the table above, expanded." if failed else ""
        items = "".join(f"<li>{escape(name)} <i>{escape(outcome)}</i></li>" for name, outcome in self.names.items())
        return (
            f'<details id="{OFFLINE_GROUP_ID}"><summary>Offline client-validation property tests: {total} ({tally})</summary>'
            f"<p>These check the typed client's validation with generated payloads; they never talk to the target, "
            f"so a deployment cannot change them.{note}</p><ul>{items}</ul></details>"
        )


def run_count_html(tests: int, against_target: int, seconds: float) -> str:
    """What replaces pytest-html's run count, which counts only the rows left in its table."""
    offline = tests - against_target
    detail = f": {against_target} against the target, {counted(offline, 'offline property test')}" if offline else ""
    return f'<p id="contract-run-count" hidden>{counted(tests, "test")} in {seconds:.1f} s{detail}</p>'
