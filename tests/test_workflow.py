"""Integration: the embedded workflow (small config) under Snakemake and under DVC, in temp copies."""

import csv
import io
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from project import copy_project, init_dvc, run

CONFIG = "config/test.yaml"  # an override of config/config.yaml (Snakemake merges the two)
CONFIG_FLAGS = ["--config", "config/config.yaml", "--config", CONFIG]  # what the steps are given
TABLE = "results/tables/table1_correlations.csv"
FIGURE = "results/figures/scatter_pred_vs_mos.png"
WORDS = ["bad", "poor", "fair", "good", "excellent"]


@pytest.fixture(scope="module")
def snakemake_run(root, tmp_path_factory, venv_bin):
    work = copy_project(root, tmp_path_factory.mktemp("smk"))
    run([venv_bin / "snakemake", "--cores", "2", "--resources", "gpu=1", "--configfile", CONFIG], work, venv_bin)
    return work


def test_table_and_figure_exist_with_sane_values(snakemake_run):
    from scipy import stats

    from reasoniqa.instability import answer_stats
    from reasoniqa.io import read_jsonl

    table = pd.read_csv(snakemake_run / TABLE).set_index(["method", "dataset"])
    assert set(table.index.get_level_values("method")) == {"zero_shot", "one_stage", "one_stage_desc", "two_stage",
                                                           "piqe", "brisque", "niqe"}
    for method in ("one_stage", "niqe"):  # the table's SRCC is the one of the predictions it was built from
        preds = pd.read_csv(snakemake_run / f"results/predictions/{method}/seed0/synth_live.csv")
        assert table.loc[(method, "synth_live"), "srcc"] == pytest.approx(
            stats.spearmanr(preds["pred_score"], preds["score"]).statistic, abs=1e-5)  # CSV keeps 6 digits
    assert (snakemake_run / TABLE.replace(".csv", ".md")).read_text().startswith("| method")
    png = (snakemake_run / FIGURE).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    adapter = snakemake_run / "results/adapters/one_stage/seed0"
    assert (adapter / "adapter_model.safetensors").is_file()
    meta = json.loads((adapter / "train_meta.json").read_text())
    assert meta["loss_last_10_mean"] < meta["loss_first"]  # training moved the loss
    preds = pd.read_csv(snakemake_run / "results/predictions/one_stage/seed0/synth_koniq.csv")
    np.testing.assert_allclose(preds["pred_score"], preds.filter(like="p_").to_numpy() @ np.arange(1, 6), atol=1e-5)
    table2 = pd.read_csv(snakemake_run / "results/tables/table2_instability.csv").set_index(["method", "dataset"])
    samples = read_jsonl(snakemake_run / "results/samples/two_stage/seed0/t1/synth_spaq.jsonl")
    stats_ = answer_stats([r["levels"] for r in samples], WORDS, [1, 2, 3, 4, 5])
    row = table2.loc[("two_stage", "synth_spaq")]
    assert row["valid_share"] == pytest.approx(stats_["valid_share"].mean(), abs=1e-5)
    if np.isfinite(stats_["disagreement"]).any():
        assert row["disagreement"] == pytest.approx(np.nanmean(stats_["disagreement"]), abs=1e-5)
    curve = pd.read_csv(snakemake_run / "results/tables/instability_temperature.csv")
    assert sorted(set(curve["temperature"])) == [0.1, 0.4, 0.7, 1.0]
    metrics = json.loads((snakemake_run / "results/metrics.json").read_text())
    assert {"correlations", "instability", "grounding", "intervention"} == set(metrics)
    edits = pd.read_csv(snakemake_run / "results/tables/table5_intervention.csv")
    assert set(edits["method"]) == {"one_stage_desc", "two_stage"}
    for rel in ("fig1_examples", "fig3_logit_lens", "fig5_attention", "feature_vs_quality", "instability_temperature"):
        assert (snakemake_run / f"results/figures/{rel}.png").read_bytes()[:4] == b"\x89PNG", rel


def test_report_has_every_figure_with_its_caption(snakemake_run, venv_bin):
    run([venv_bin / "snakemake", "--report", "results/report.html", "--configfile", CONFIG], snakemake_run, venv_bin)
    html = (snakemake_run / "results/report.html").read_text(errors="replace")
    for needle in ("fig3_logit_lens.png", "fig5_attention.png", "table2_instability.csv", "Logit lens at the quality token",
                   "instability_temperature.png", "table5_intervention.csv"):
        assert needle in html, needle


# Where the browser test keeps its screenshots (a test artifact, not tracked).
ARTIFACTS = Path(__file__).parent / "artifacts"


def test_report_renders_every_figure_and_table_in_a_real_browser(snakemake_run, venv_bin):
    """The HTML report opened in headless Chromium: each result the report lists is shown through the
    report's own eye-button handler and must render (a decoded image, or an HTML table) on a screen
    that is not blank, with no console error."""
    import io

    import numpy as np
    from browser import Chromium, find_chromium
    from PIL import Image

    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    run([venv_bin / "snakemake", "--report", "results/report.html", "--configfile", CONFIG], snakemake_run, venv_bin)
    ARTIFACTS.mkdir(exist_ok=True)
    browser = Chromium(binary)
    try:
        browser.open((snakemake_run / "results/report.html").as_uri())
        listed = browser.evaluate("Object.keys(results).map(k => [k, results[k].mime_type])")
        assert {kind for _, kind in listed} <= {"image/png", "text/html"}, listed  # nothing is download-only
        assert any(k.endswith("table1_correlations.html") for k, _ in listed)
        assert any(k.endswith("fig3_logit_lens.png") for k, _ in listed)
        for path, kind in listed:
            browser.evaluate(f"new ButtonViewManager(app).handleSelectedResult({json.dumps(path)}).props.onClick(); 1")
            tag = "img" if kind == "image/png" else "iframe"
            shown = f"Array.from(document.querySelectorAll('{tag}')).find(e => e.src === results[{json.dumps(path)}].data_uri)"
            box = None
            for _ in range(50):  # React renders asynchronously; an image decodes, an iframe loads, after that
                box = browser.evaluate(f"(() => {{ const e = {shown}; if (!e || (e.tagName === 'IMG' && "
                                       f"!(e.complete && e.naturalWidth))) return null; const r = "
                                       f"e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }})()")
                if box and box[3] - box[1] > 20:
                    break
                time.sleep(0.1)
            assert box, f"{path} is not shown"
            time.sleep(0.5)
            shot = browser.screenshot()
            pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("L"))
            left, top, right, bottom = (max(0, int(v)) for v in box)
            inside = pixels[top:bottom, left:right]  # where the figure or the table's frame is on screen
            # a blank frame or image has no dark pixel; the smallest table here draws ~10,000
            assert (inside < 160).sum() > 2000, f"{path}: nothing drawn where it is shown"
            if path.endswith(("table1_correlations.html", "fig3_logit_lens.png")):
                (ARTIFACTS / f"report_{Path(path).stem}.png").write_bytes(shot)
        assert not browser.errors, browser.errors
    finally:
        browser.close()


def test_every_folder_stamp_matches_its_folder(snakemake_run):
    """Readers of a folder depend on its stamp in dvc.yaml (dvcgen.stamp_path): every directory output
    must carry a stamp written by its step, naming the folder and the digest of what is in it now (an
    empty stamp, as Snakemake leaves when a step does not write one, would hide changes from readers)."""
    from reasoniqa.io import SNAKEMAKE_STAMP, stamp_text

    stamps = [p for top in ("results", "resources") for p in (snakemake_run / top).rglob(SNAKEMAKE_STAMP)]
    assert len(stamps) >= 8  # five datasets, base model, adapters, classical models
    for stamp in stamps:
        folder = stamp.parent
        assert stamp.read_text() == stamp_text(folder, folder.relative_to(snakemake_run)), folder


def test_second_snakemake_run_has_nothing_to_do(snakemake_run, venv_bin):
    proc = run([venv_bin / "snakemake", "-n", "--cores", "2", "--configfile", CONFIG], snakemake_run, venv_bin)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_single_figure_rebuilds_alone(snakemake_run, venv_bin):
    (snakemake_run / FIGURE).unlink()
    table_mtime = (snakemake_run / TABLE).stat().st_mtime_ns
    proc = run([venv_bin / "snakemake", FIGURE, "--cores", "1", "--configfile", CONFIG], snakemake_run, venv_bin)
    assert (snakemake_run / FIGURE).is_file()
    assert "plot_scatter" in proc.stderr and "rule train" not in proc.stderr
    assert (snakemake_run / TABLE).stat().st_mtime_ns == table_mtime


def test_dvc_repro_builds_the_same_artifacts(root, snakemake_run, tmp_path, venv_bin):
    work = copy_project(root, tmp_path)
    run([venv_bin / "reasoniqa", "dvc-yaml", *CONFIG_FLAGS], work, venv_bin)
    init_dvc(work, venv_bin)
    run([venv_bin / "dvc", "repro"], work, venv_bin)
    for rel in ("results/metrics.json", TABLE, "resources/synth_koniq/manifest.csv",
                "results/tables/stage1_feature_accuracy.csv", "results/tables/feature_validation.csv"):
        assert (work / rel).read_bytes() == (snakemake_run / rel).read_bytes(), rel
    again = run([venv_bin / "dvc", "repro"], work, venv_bin)
    assert "Data and pipelines are up to date" in again.stdout
    plan = [venv_bin / "snakemake", "-n", "--cores", "1", "--configfile", CONFIG]
    assert "Nothing to be done" in _output(run(plan, work, venv_bin))  # dvc repro -> snakemake: no-op
    # an output lost, then restored from the DVC cache: still nothing to do for either tool
    (work / TABLE).unlink()
    run([venv_bin / "dvc", "checkout"], work, venv_bin)
    assert "Nothing to be done" in _output(run(plan, work, venv_bin))
    assert "Data and pipelines are up to date" in run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    shown = run([venv_bin / "dvc", "metrics", "show"], work, venv_bin).stdout
    assert "srcc" in shown and "instability" in shown
    run([venv_bin / "dvc", "plots", "show", "-o", "dvc_plots"], work, venv_bin)
    page = (work / "dvc_plots/index.html").read_text()
    assert "correlations_csv" in page and "instability_csv" in page and "fig3_logit_lens" in page  # plot ids
    # one figure alone: only its own stage runs
    (work / FIGURE).unlink()
    alone = run([venv_bin / "dvc", "repro", "--force", "--single-item", "plot_scatter__figures-scatter_pred_vs_mos"],
                work, venv_bin).stdout
    assert (work / FIGURE).is_file() and "Running stage 'plot_scatter" in alone and "Running stage 'train" not in alone
    # a team remote (any DVC remote; a local folder here): data, models, adapters and predictions go to it
    run([venv_bin / "dvc", "remote", "add", "-d", "team", str(tmp_path / "remote")], work, venv_bin)
    pushed = run([venv_bin / "dvc", "push"], work, venv_bin).stdout
    assert (tmp_path / "remote").is_dir() and re.search(r"\d+ files? pushed", pushed), pushed
    # config edits: the same stages go stale as under Snakemake (test below), from the same table
    status = _status_after_edit(work, "prompts", "rate", "Rate this picture.",
                                [venv_bin / "dvc", "status"], venv_bin, config="config/config.yaml")
    # (the test config pretrains the vision tower: build_model writes base_random, read by pretrain_vision)
    assert "train__adapters-one_stage-seed0" in status and "build_model__models-base_random" in status, status
    assert "synthesize__" not in status
    status = _status_after_edit(work, "evaluate", "bootstrap", 150, [venv_bin / "dvc", "status"], venv_bin)
    assert "correlations__" in status and "train__" not in status


def _output(proc):
    return proc.stdout + proc.stderr


def test_a_snakemake_run_recorded_in_dvc_is_a_no_op_for_both(root, snakemake_run, tmp_path, venv_bin):
    """Snakemake run -> dvc commit -> neither tool has anything to do; real edits still rerun."""
    work = tmp_path / "copy"
    shutil.copytree(snakemake_run, work, symlinks=True)  # copy2: modification times kept
    run([venv_bin / "reasoniqa", "dvc-yaml", *CONFIG_FLAGS], work, venv_bin)
    init_dvc(work, venv_bin)
    outputs = [p for top in ("results", "resources") for p in (work / top).rglob("*") if p.is_file()]
    before = {p: p.stat().st_mtime_ns for p in outputs}
    run([venv_bin / "dvc", "commit", "-f", "-q"], work, venv_bin)
    # the cause of Snakemake's reruns after a commit, gone for files of any size: the hard-linked cache
    # (.dvc/config) keeps each recorded file's modification time. Files of identical content share one
    # cache object, hence one inode and time (here header-only CSVs, under Snakemake's 1 MB checksum size)
    changed = [p for p in outputs if p.stat().st_mtime_ns != before[p]]
    shared = {str(p.relative_to(work)) for p in changed}
    assert all(p.stat().st_nlink > 2 for p in changed), changed
    assert len(changed) < len(outputs) / 10
    plan = [venv_bin / "snakemake", "-n", "--cores", "1", "--configfile", CONFIG]
    assert_no_op_but_shared_outputs(_output(run(plan, work, venv_bin)), shared)
    assert "Data and pipelines are up to date" in run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    # folders and files restored from the cache (a lost dataset, adapter and model, a table): nothing to do
    for rel in ("resources/synth_spaq", "results/adapters/one_stage/seed0", "results/models/base"):
        shutil.rmtree(work / rel)
    (work / TABLE).unlink()
    run([venv_bin / "dvc", "checkout"], work, venv_bin)
    assert_no_op_but_shared_outputs(_output(run(plan, work, venv_bin)), shared)
    assert "Data and pipelines are up to date" in run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    # the same through `reasoniqa dvc-checkout`: strictly nothing to do, shared cache objects or not
    shutil.rmtree(work / "results/adapters/one_stage/seed0")
    run([venv_bin / "reasoniqa", "dvc-checkout", *CONFIG_FLAGS], work, venv_bin)
    assert "Nothing to be done" in _output(run(plan, work, venv_bin))
    # a second cycle: a forced rerun writes the same bytes again; `dvc commit` links the rewritten files,
    # those inside folders too (hard links only, no copy fallback: .dvc/config), back to their recorded
    # objects, hence their recorded times
    run([venv_bin / "snakemake", "--cores", "2", "--configfile", CONFIG, "--forcerun",
         "results/adapters/one_stage/seed0"], work, venv_bin)
    adapter = work / "results/adapters/one_stage/seed0/adapter_model.safetensors"
    assert adapter.stat().st_nlink == 1  # rewritten, not yet recorded
    run([venv_bin / "dvc", "commit", "-f", "-q"], work, venv_bin)
    assert adapter.stat().st_nlink == 2
    assert_no_op_but_shared_outputs(_output(run(plan, work, venv_bin)), shared)
    shutil.rmtree(work / "results/adapters/one_stage/seed0")
    run([venv_bin / "dvc", "checkout"], work, venv_bin)
    assert_no_op_but_shared_outputs(_output(run(plan, work, venv_bin)), shared)
    # a deleted output: both rebuild it, and only what depends on it
    (work / FIGURE).unlink()
    planned = _output(run(plan, work, venv_bin))
    assert re.search(r"^plot_scatter\s+1$", planned, re.M) and not re.search(r"^train\s", planned, re.M)
    status = run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    assert "plot_scatter__" in status and "train__" not in status
    # an image edited by hand inside a dataset folder: the stage that writes the folder sees its output
    # modified (DVC hashes the whole output); the stages that read it depend on the folder's stamp, as
    # Snakemake does (dvcgen.stamp_path); `dvc repro` rebuilds the folder from its inputs (and the figure
    # deleted above), nothing that reads the folder
    from PIL import Image

    image = sorted((work / "resources/synth_spaq/images").iterdir())[0]
    run([venv_bin / "dvc", "unprotect", str(image.relative_to(work))], work, venv_bin)
    pixels = np.asarray(Image.open(image)).copy()
    pixels[0, 0] = 255 - pixels[0, 0]
    Image.fromarray(pixels).save(image)
    original = (snakemake_run / image.relative_to(work)).read_bytes()
    assert "features__features-synth_spaq" in (work / "dvc.yaml").read_text()
    status = run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    assert "synthesize__synth_spaq" in status and "features__features-synth_spaq" not in status, status
    repro = run([venv_bin / "dvc", "repro"], work, venv_bin).stdout
    # (a stage DVC ran before with the same inputs is restored from its run cache: "Stage '...' is cached")
    ran = {a or b for a, b in re.findall(r"Running stage '([^']+)'|Stage '([^']+)' is cached", repro)}
    assert "synthesize__synth_spaq" in ran and not any(s.startswith("features__") for s in ran), ran
    assert image.read_bytes() == original
    assert_no_op_but_shared_outputs(_output(run(plan, work, venv_bin)), shared)
    # `reasoniqa dvc-record`: refuses while a job is missing its output (nothing recorded, one line) ...
    lock = (work / "dvc.lock").read_bytes()
    (work / FIGURE).unlink()
    refused = run([venv_bin / "reasoniqa", "dvc-record", *CONFIG_FLAGS], work, venv_bin, check=False)
    assert refused.returncode == 2 and "finish the run" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and (work / "dvc.lock").read_bytes() == lock
    run([venv_bin / "snakemake", FIGURE, "--cores", "1", "--configfile", CONFIG], work, venv_bin)
    # ... then records the run and leaves both tools with nothing to do, shared cache objects or not
    run([venv_bin / "reasoniqa", "dvc-record", *CONFIG_FLAGS], work, venv_bin)
    assert "Nothing to be done" in _output(run(plan, work, venv_bin))
    assert "Data and pipelines are up to date" in run([venv_bin / "dvc", "status"], work, venv_bin).stdout
    # another machine: the repository (dvc.yaml, dvc.lock, .dvc/config naming the remote), no outputs, no
    # .snakemake/; `reasoniqa dvc-pull` brings every output (metrics and figures too) and both agree
    run([venv_bin / "dvc", "remote", "add", "-d", "team", str(tmp_path / "remote")], work, venv_bin)
    run([venv_bin / "dvc", "push", "-q"], work, venv_bin)
    other = copy_project(root, tmp_path / "other")
    for name in ("dvc.yaml", "dvc.lock", ".dvcignore", ".dvc/config"):
        (other / name).parent.mkdir(exist_ok=True)
        shutil.copy2(work / name, other / name)
    edited = (other / CONFIG).read_text()
    (other / CONFIG).write_text(edited.replace("bootstrap: 200", "bootstrap: 150"))
    refused = run([venv_bin / "reasoniqa", "dvc-pull", *CONFIG_FLAGS], other, venv_bin, check=False)
    assert refused.returncode == 2 and "correlations__" in refused.stderr and "dvc repro" in refused.stderr
    assert not list(other.glob(".snakemake/metadata/*"))  # nothing marked up to date
    (other / CONFIG).write_text(edited)
    run([venv_bin / "reasoniqa", "dvc-pull", *CONFIG_FLAGS], other, venv_bin)
    for rel in ("results/metrics.json", FIGURE, TABLE, "results/adapters/two_stage/seed0/stage2/adapter_model.safetensors"):
        assert (other / rel).read_bytes() == (work / rel).read_bytes(), rel
    assert "Nothing to be done" in _output(run(plan, other, venv_bin))
    assert "Data and pipelines are up to date" in run([venv_bin / "dvc", "status"], other, venv_bin).stdout
    # and a config edit there still reruns, under Snakemake too, what reads the value (metadata recorded)
    planned = _status_after_edit(other, "evaluate", "bootstrap", 150, plan, venv_bin)
    assert re.search(r"^correlations\s+1$", planned, re.M) and not re.search(r"^train\s", planned, re.M)


def assert_no_op_but_shared_outputs(plan: str, shared: set[str]) -> None:
    """`snakemake -n` has nothing to do, except for one known case: outputs of two jobs with identical
    bytes (here the header-only edit tables the 12-step test models leave) share one DVC cache object,
    hence one inode and modification time, so one job's output can look older than its inputs. Every job
    planned must be such a job or downstream of one."""
    if "Nothing to be done" in plan:
        return
    jobs = re.split(r"\n(?=(?:local)?rule \w+:)", plan)[1:]
    assert jobs, plan
    for job in jobs:
        rule = job.split(":", 1)[0].removeprefix("local")
        reason = re.search(r"reason: (.*)", job).group(1)
        outputs = set(re.search(r"output: (.*)", job).group(1).split(", ")) if "output:" in job else set()
        if reason.startswith("Input files updated by another job") or rule == "rule all":
            continue
        assert reason.startswith("Updated input files") and outputs & shared, (rule, reason, outputs)


def _status_after_edit(work, section, key, value, command, venv_bin, config=CONFIG):
    """What `command` reports after one edit of a config file (put back afterwards)."""
    import yaml

    path = work / config
    original = path.read_text()
    cfg = yaml.safe_load(original)
    cfg[section][key] = value
    path.write_text(yaml.safe_dump(cfg))
    try:
        proc = run(command, work, venv_bin)
    finally:
        path.write_text(original)
    return proc.stdout + proc.stderr


def test_config_edits_rerun_what_reads_them_under_snakemake(snakemake_run, tmp_path, venv_bin):
    import shutil

    work = tmp_path / "copy"
    shutil.copytree(snakemake_run, work, symlinks=True)  # copy2: modification times kept
    plan = [venv_bin / "snakemake", "-n", "--cores", "1", "--configfile", CONFIG]
    status = _status_after_edit(work, "prompts", "rate", "Rate this picture.", plan, venv_bin,
                                config="config/config.yaml")  # the base: the override leaves prompts out
    assert re.search(r"^train\s+2$", status, re.M) and re.search(r"^build_model\s+1$", status, re.M), status
    assert not re.search(r"^synthesize\s", status, re.M)
    status = _status_after_edit(work, "evaluate", "bootstrap", 150, plan, venv_bin)
    assert re.search(r"^correlations\s+1$", status, re.M) and not re.search(r"^train\s", status, re.M), status


def test_predict_cli_csv_and_json(snakemake_run, venv_bin):
    img = sorted((snakemake_run / "resources/synth_csiq/images").iterdir())[0]
    for method in ("two_stage", "one_stage"):
        proc = run([venv_bin / "reasoniqa", "predict", *CONFIG_FLAGS, "--method", method, str(img)],
                    snakemake_run, venv_bin)
        # parsed as CSV: a generated description may hold a newline (quoted, as the csv module writes it)
        lines = list(csv.reader(io.StringIO(proc.stdout)))
        assert lines[0] == ["path", "description", "level", "score"] and len(lines) == 2
        assert 1 <= float(lines[1][-1]) <= 5
    proc = run([venv_bin / "reasoniqa", "predict", *CONFIG_FLAGS, "--json",
                 str(snakemake_run / "resources/synth_csiq/images")], snakemake_run, venv_bin)
    rows = json.loads(proc.stdout)
    assert len(rows) == len(list((snakemake_run / "resources/synth_csiq/images").iterdir()))
    assert {"path", "description", "level", "score"} == set(rows[0])


def test_predict_samples_says_how_stable_each_rating_is(snakemake_run, venv_bin):
    folder = snakemake_run / "resources/synth_csiq/images"
    base = [venv_bin / "reasoniqa", "predict", *CONFIG_FLAGS, "--method", "two_stage", "--json", str(folder)]
    greedy = json.loads(run(base, snakemake_run, venv_bin).stdout)
    proc = run([*base, "--samples", "5"], snakemake_run, venv_bin)
    rows = json.loads(proc.stdout)
    assert "Warning" not in proc.stderr, proc.stderr  # no library deprecation noise at the user
    assert [{k: r[k] for k in g} for r, g in zip(rows, greedy)] == greedy  # the greedy answer is unchanged by sampling
    for row in rows:
        counts = row["sampled_levels"]
        assert sum(counts.values()) == 5 and row["samples"] == 5 and row["temperature"] == 1.0
        named = {w: n for w, n in counts.items() if w != "none"}
        assert row["agreement"] == (max(named.values()) / 5 if named else 0.0)
        assert row["modal_level"] in named if named else row["modal_level"] is None
        n_named = sum(named.values())
        assert row["valid_share"] == n_named / 5  # Table 2's measures, over the answers naming a level
        assert row["unstable"] == (None if n_named < 2 else float(len(named) > 1))
    assert len({r["agreement"] for r in rows}) > 1  # images differ in how stable they are
    assert json.loads(run([*base, "--samples", "5"], snakemake_run, venv_bin).stdout) == rows  # seeded
    csv_out = run([*base[:-2], "--samples", "3", str(sorted(folder.iterdir())[0])], snakemake_run, venv_bin)
    header, line = list(csv.reader(io.StringIO(csv_out.stdout)))
    assert ",".join(header).endswith("samples,temperature,agreement,modal_level,sampled_levels,unstable,"
                                     "disagreement,valid_share")
    bad = run([*base, "--samples", "1"], snakemake_run, venv_bin, check=False)
    assert bad.returncode == 2 and "--samples must be at least 2" in bad.stderr
    bad = run([*base, "--temperature", "0.5"], snakemake_run, venv_bin, check=False)
    assert bad.returncode == 2 and "give --samples K too" in bad.stderr


@pytest.mark.parametrize("case, message", [
    ("missing", "no such file or folder"), ("empty_dir", "no images"), ("not_an_image", "cannot decode"),
])
def test_predict_cli_bad_paths(snakemake_run, venv_bin, tmp_path, case, message):
    target = tmp_path / case
    if case == "empty_dir":
        target.mkdir()
        (target / "notes.txt").write_text("no pictures here")
    elif case == "not_an_image":
        target = tmp_path / "notes.png"
        target.write_text("not a picture")
    proc = run([venv_bin / "reasoniqa", "predict", *CONFIG_FLAGS, str(target)], snakemake_run, venv_bin,
                check=False)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
