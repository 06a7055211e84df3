"""figures (reasoniqa.figures: one module per kind)"""

from __future__ import annotations

from reasoniqa.cli.common import cfg


def lens_figure(a):
    from reasoniqa.figures.dynamics import lens_figure

    lens_figure(cfg(a), a.analysis, a.figure, a.table)


def attention_figure(a):
    from reasoniqa.figures.dynamics import attention_figure

    attention_figure(a.analysis, a.figure)


def examples_figure(a):
    from reasoniqa.figures.examples import plot_examples

    plot_examples(cfg(a), a.predictions, a.samples, a.data, a.out)


def feature_quality_figure(a):
    from reasoniqa.figures.examples import plot_feature_vs_quality

    plot_feature_vs_quality(cfg(a), a.predictions, a.out)


def plot_scatter(a):
    from reasoniqa.figures.scatter import plot_scatter

    plot_scatter(a.predictions, a.out)


def datasets_overview(a):
    from reasoniqa.figures.datasets import plot_datasets_overview

    plot_datasets_overview(a.data, a.table, a.figure)


def add_steps(step):
    s = step("lens-figure", lens_figure, "Figure 3: logit lens (example and aggregate) and Table 4")
    s.add_argument("--analysis", nargs="+", required=True)
    s.add_argument("--figure", required=True)
    s.add_argument("--table", required=True)

    s = step("attention-figure", attention_figure, "Figure 5: attention of the quality token per layer")
    s.add_argument("--analysis", nargs="+", required=True)
    s.add_argument("--figure", required=True)

    s = step("examples-figure", examples_figure, "Figure 1: contradictions and repeated answers on examples")
    s.add_argument("--predictions", nargs="+", required=True, help="one dataset's predictions of the describing methods")
    s.add_argument("--samples", nargs="+", required=True, help="the same methods' sampled answers on that dataset")
    s.add_argument("--data", required=True, help="that dataset's folder")
    s.add_argument("--out", required=True)

    s = step("feature-quality-figure", feature_quality_figure, "predicted score by described feature level")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--out", required=True)

    s = step("plot-scatter", plot_scatter, "predicted vs ground-truth score scatter (PNG)")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--out", required=True)

    s = step("datasets-overview", datasets_overview, "counts table and score distributions per dataset")
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)
