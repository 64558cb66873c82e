"""Write the Snakemake HTML report as `make run` does, byte-identical across clean rebuilds.

    .venv/bin/python scripts/report.py [results/report.html]

Runs ``snakemake --report`` in this process with these changes to Snakemake's HTML reporter
(snakemake 9.27, pinned in requirements.lock; every change to its page source is checked to apply
exactly once, so a Snakemake upgrade that moves the code fails here instead of writing a report
that silently lost the change):

* The report opens on the results: every study as one page (``StudyResults`` below), per stage
  (Participants, Reliability, ANOVA, ANCOVA, Correlations, Scores, Notebooks) the APA tables
  first, rendered inline from ``tables/*.html``, then the panel of every outcome, then the other
  figures in config order, the notebooks, and the CSV files to download; each with its caption
  and the file it came from. The menu and the stage lists keep the same order (Snakemake sorts
  stages and results by name). Choosing a study or stage in the menu scrolls there.
* Each study's validated config (defaults filled in) is shown as YAML at the end of its results,
  and a result's job parameters as YAML (Snakemake prints ``str(dict)``).
* The Workflow page draws the pipeline's stages as boxes (``wellbeing.report.stage_diagram``)
  in place of Snakemake's rule graph, whose arcs cross and whose levels changed from one run to
  the next.
* The job runtimes and timeline are emptied (``benchmarks/`` keeps each job's timing).
"""

import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

import snakemake.report.html_reporter as html_reporter  # noqa: E402
from snakemake.cli import main as snakemake_main  # noqa: E402

from wellbeing.report import (as_yaml, result_kind, result_rank, stage_diagram,  # noqa: E402
                              stage_rank, strip_runtimes)
from wellbeing.study import validated_config  # noqa: E402
from wellbeing.tables import group_label  # noqa: E402

#: Changes to the report's page source, per component file of Snakemake's template: (old, new).
SOURCE_CHANGES = {
    "components/app.js": [
        # Open on the results instead of the rule graph.
        ('this.content = "rulegraph";', 'this.content = "results";'),
        # Choosing a study shows (scrolls to) its results.
        ("this.setView({ navbarMode: mode, category: category, subcategory: subcategory })",
         'this.setView({ navbarMode: mode, category: category, subcategory: subcategory, content: "results" })'),
    ],
    "components/category.js": [
        # A study's stages in pipeline order (as scripts/report.py wrote them), not by name.
        ("let items = Object.keys(categories[this.props.category]).sort(\n"
         "            (a, b) => a.localeCompare(b)\n"
         "        ).map(",
         "let items = Object.keys(categories[this.props.category]).map("),
        # Choosing a stage shows (scrolls to) its results.
        ('this.props.setView({ navbarMode: "subcategory", category: this.props.category, '
         'subcategory: subcategory })',
         'this.props.setView({ navbarMode: "subcategory", category: this.props.category, '
         'subcategory: subcategory, content: "results" })'),
    ],
    "components/abstract_results.js": [
        # A stage's results in the order scripts/report.py wrote them: tables first.
        ("entryLabelValues = entryLabelValues.sort(function (aLabels, bLabels) {",
         "entryLabelValues = wellbeingKeepOrder(entryLabelValues, function (aLabels, bLabels) {"),
    ],
    "components/menu.js": [
        # A menu item back to the results page.
        ('this.getMenuItem("Workflow", "share", this.showWorkflow),',
         'this.getMenuItem("All results", "eye", () => this.props.app.setView({ content: "results" })),\n'
         '            this.getMenuItem("Workflow", "share", this.showWorkflow),'),
    ],
    "components/navbar.js": [
        # The home button goes back to where the report opens.
        ('content: "metadata",', 'content: "results",'),
    ],
    "components/content.js": [
        # The results page (StudyResults, appended to this file).
        ('case "rulegraph":',
         'case "results":\n'
         '                return e(StudyResults, { app: this.props.app });\n'
         '            case "rulegraph":'),
    ],
    "components/result_info.js": [
        # Job parameters are YAML (scripts/report.py): keep their lines.
        ('{ key: "params" },\n                    jobProperties.params\n',
         '{ key: "params" },\n'
         '                    e("pre", { className: "whitespace-pre text-xs overflow-x-auto" }, '
         'jobProperties.params)\n'),
    ],
}

#: The results page, appended to components/content.js; ``__STUDIES__`` is replaced by the studies'
#: titles, designs and configs.
STUDY_RESULTS_JS = r"""
// Added by scripts/report.py: every study's results as one page, per stage the APA tables
// (inline), the panel, the figures, the notebooks and the data, each with its caption and file.
var wellbeing_studies = __STUDIES__;

// APA tables keep each number on one line (a narrow window scrolls the table instead).
const STUDY_RESULTS_CSS = "#study-results table.apa td.r, #study-results table.apa th.r, "
    + "#study-results table.apa td.c, #study-results table.apa th.c { white-space: nowrap; } "
    + "#study-results table.apa td.l { min-width: 10em; } "
    + "#study-results figcaption, #study-results figcaption tt, #study-results .wb-file { overflow-wrap: anywhere; }";

function wellbeingKeepOrder(values, compare) {
    // The order scripts/report.py wrote (tables first, figures in config order), not by name.
    return values;
}

function wellbeingSectionId(study, stage) {
    let id = stage === undefined ? study : `${study}--${stage}`;
    return "wb-" + id.replace(/[^A-Za-z0-9_-]+/g, "-");
}

class StudyResults extends React.Component {
    render() {
        const studies = Object.keys(categories).sort((a, b) => a.localeCompare(b));
        // Width 0 and min-width 100%: the page fills the space beside the menu without widening
        // the content area (a long line would otherwise squeeze the menu).
        return e(
            "div",
            { id: "study-results", className: "self-start text-slate-800", style: { width: 0, minWidth: "100%" } },
            e("style", {}, STUDY_RESULTS_CSS),
            e(
                "div",
                { className: "max-w-6xl px-8 py-6" },
                e(
                    "p",
                    { className: "text-sm text-slate-500 mb-2" },
                    "Results of every study, stage by stage: the APA tables first, then the figures ",
                    "(the panel of all outcomes before each outcome's own), the notebooks and the CSV ",
                    "files. Each caption says what it shows and names the file. The menu lists the ",
                    "same results; Workflow shows the pipeline's stages."
                ),
                studies.map((study) => this.renderStudy(study))
            )
        );
    }

    renderStudy(study) {
        const info = wellbeing_studies[study] || {};
        const stages = Object.keys(categories[study]);
        return e(
            "section",
            { key: study, id: wellbeingSectionId(study), className: "pt-6" },
            e(
                "h1",
                { className: "text-2xl font-bold border-b-2 border-slate-300 pb-1" },
                info.title || study,
                e("code", { className: "ml-3 text-base font-normal text-slate-500" }, study)
            ),
            info.summary ? e("p", { className: "text-sm text-slate-600 mt-1" }, info.summary) : null,
            e(
                "p",
                { className: "text-sm mt-1 flex flex-wrap gap-3" },
                stages.map((stage) => e(
                    "a",
                    {
                        key: stage,
                        href: "#",
                        className: "text-emerald-700 hover:underline",
                        onClick: (event) => {
                            event.preventDefault();
                            document.getElementById(wellbeingSectionId(study, stage)).scrollIntoView();
                        }
                    },
                    stage
                ))
            ),
            stages.map((stage) => this.renderStage(study, stage)),
            info.config_yaml ? e(
                "details",
                { className: "mt-6" },
                e(
                    "summary",
                    { className: "cursor-pointer text-sm font-semibold text-slate-600" },
                    `Configuration of ${study} (YAML, as validated, defaults filled in)`
                ),
                e("pre", { className: "text-xs bg-slate-100 rounded p-3 overflow-x-auto" }, info.config_yaml)
            ) : null
        );
    }

    renderStage(study, stage) {
        return e(
            "section",
            { key: stage, id: wellbeingSectionId(study, stage), className: "pt-4" },
            e("h2", { className: "text-xl font-semibold mt-4 mb-2 text-slate-700" }, stage),
            categories[study][stage].map((path) => this.renderResult(path))
        );
    }

    renderResult(path) {
        const app = this.props.app;
        const result = results[path];
        const title = result.labels ? Object.values(result.labels).join(" · ") : result.name;
        let body;
        switch (result.kind) {
            case "table":
                body = e("div", {
                    className: "overflow-x-auto",
                    dangerouslySetInnerHTML: { __html: result.inline_html },
                });
                break;
            case "panel":
                body = e("img", { src: result.data_uri, alt: title, className: "w-full h-auto" });
                break;
            case "figure":
                body = e("img", {
                    src: result.data_uri, alt: title, className: "h-auto",
                    style: { maxWidth: "100%", maxHeight: "32rem" },
                });
                break;
            case "notebook":
                body = e(
                    "a",
                    {
                        href: "#",
                        className: "text-emerald-700 underline",
                        onClick: (event) => {
                            event.preventDefault();
                            app.setView({ content: "html", contentPath: result.data_uri, resultPath: path });
                        }
                    },
                    `Open the notebook ${result.name}`
                );
                break;
            default:
                body = e("a", { href: result.data_uri, download: result.name, className: "text-emerald-700 underline" },
                         `Download ${result.name}`);
        }
        return e(
            "figure",
            { key: path, className: "my-5" },
            e("h3", { className: "font-semibold mb-1" }, title),
            body,
            e("figcaption", {
                className: "mt-2 text-sm text-slate-600 max-w-4xl",
                dangerouslySetInnerHTML: { __html: result.caption },
            }),
            e(
                "p",
                { className: "wb-file text-xs text-slate-500 mt-1" },
                "File: ",
                e("code", {}, path),
                ` (${result.size}) · `,
                e("a", {
                    href: "#", className: "underline",
                    onClick: (event) => { event.preventDefault(); app.showResultInfo(path); },
                }, "details")
            )
        );
    }

    componentDidMount() {
        this.scrollToChoice();
    }

    componentDidUpdate() {
        this.scrollToChoice();
    }

    scrollToChoice() {
        // Scroll to the study or stage just chosen in the menu, once per choice.
        const state = this.props.app.state;
        if (state.renderTrigger === this.scrolledFor) {
            return;
        }
        this.scrolledFor = state.renderTrigger;
        if (state.category === undefined || !["category", "subcategory"].includes(state.navbarMode)) {
            return;
        }
        const stage = state.navbarMode === "subcategory" ? state.subcategory : undefined;
        const target = document.getElementById(wellbeingSectionId(state.category, stage));
        if (target) {
            target.scrollIntoView();
        }
    }
}

StudyResults.propTypes = {
    app: PropTypes.object.isRequired
};
"""


def changed_source(name: str, source: str) -> str:
    """``source`` of the template file ``name`` with ``SOURCE_CHANGES`` made, each exactly once."""
    for old, new in SOURCE_CHANGES.get(name, ()):
        if source.count(old) != 1:
            raise RuntimeError(f"scripts/report.py: {name} of Snakemake's report template contains "
                               f"{source.count(old)} (not 1) of {old!r}; update SOURCE_CHANGES for this "
                               f"Snakemake version")
        source = source.replace(old, new)
    return source


def script_json(value) -> str:
    """JSON safe inside a <script> element (no ``</`` to end it early)."""
    return json.dumps(value).replace("</", "<\\/")


def study_summaries(config, root: Path) -> dict:
    """Study id -> title, a line on its design, and its validated config as YAML."""
    studies = validated_config(config, root)["studies"]
    summaries = {}
    for study_id in sorted(studies):
        study = studies[study_id]
        parts = [f"{study['design'].replace('_', '-')} design", "waves " + ", ".join(study["waves"])]
        if study.get("groups"):
            parts.append("groups " + ", ".join(group_label(group, study) for group in study["groups"]))
        summaries[study_id] = {"title": study.get("title", study_id), "summary": "; ".join(parts),
                               "config_yaml": as_yaml(study)}
    return summaries


class Customisation:
    """The changes to Snakemake's HTML reporter (see the module docstring), made by ``install``."""

    def __init__(self):
        self.studies = {}
        self.original_render = html_reporter.Reporter.render
        self.render_results = html_reporter.data.render_results
        self.resource = html_reporter.get_resource_as_string

    def install(self):
        customisation = self

        def render(reporter):
            customisation.prepare(reporter)
            return customisation.original_render(reporter)

        html_reporter.Reporter.render = render
        html_reporter.data.render_results = self.results_json
        html_reporter.get_resource_as_string = self.page_source
        html_reporter.rulegraph_spec = self.rules_of
        html_reporter.data.render_rulegraph = self.diagram_json

    def prepare(self, reporter):
        """Put studies, stages and results in report order; read the studies' configs."""
        dag = reporter.dag
        jobs = sorted(dag.targetjobs, key=lambda job: (job.rule.name, [str(path) for path in job.input]))
        targets = [str(path) for job in jobs for path in job.input]
        ordered = {}
        for category in sorted(reporter.results, key=lambda category: category.name):
            stages = reporter.results[category]
            ordered[category] = {
                stage: sorted(stages[stage], key=lambda record: result_rank(record.path, targets))
                for stage in sorted(stages, key=lambda stage: stage_rank(stage.name))
            }
        reporter.results = ordered
        reporter.rules = dict(sorted(reporter.rules.items()))
        self.studies = study_summaries(dag.workflow.config, Path(dag.workflow.basedir))

    def results_json(self, results, mode_embedded):
        """Snakemake's results, each with how it is shown (``kind``), a table's HTML to show
        inline, and the job parameters as YAML."""
        rendered = json.loads(self.render_results(results, mode_embedded))
        for stages in results.values():
            for records in stages.values():
                for record in records:
                    entry = rendered[str(record.path)]
                    entry["kind"] = result_kind(record.path)
                    if entry["kind"] == "table":
                        entry["inline_html"] = Path(record.path).read_text(encoding="utf-8")
                    params = dict(record.job.params.items())
                    entry["job_properties"]["params"] = as_yaml(params) if params else ""
        return script_json(rendered)

    def page_source(self, name):
        source = changed_source(name, self.resource(name))
        if name == "components/content.js":
            source += STUDY_RESULTS_JS.replace("__STUDIES__", script_json(self.studies))
        return source

    @staticmethod
    def rules_of(dag):
        """In place of ``rulegraph_spec``: the workflow's rule names, for the stage diagram."""
        rules = sorted({job.rule.name for job in dag.jobs})
        return {"nodes": [{"rule": rule} for rule in rules], "links": [], "links_direct": []}, 0, 0

    @staticmethod
    def diagram_json(nodes, links, links_direct):
        return script_json(stage_diagram([node["rule"] for node in nodes]))


def main(path: Path) -> int:
    Customisation().install()
    # The report never runs a job, so Snakemake leaves the rules' input-size resources
    # (workflow/rules/common.smk) unevaluated and says so once per job; nothing is lost.
    warnings.filterwarnings("ignore", message="coroutine .*_predicated_size_files.* was never awaited",
                            category=RuntimeWarning)
    try:
        snakemake_main(["--report", str(path)])
    except SystemExit as stop:
        if stop.code not in (0, None):
            return stop.code if isinstance(stop.code, int) else 1
    path.write_text(strip_runtimes(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/report.html")))
