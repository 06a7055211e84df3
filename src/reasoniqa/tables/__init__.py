"""The paper's tables, one module each (CSV with Markdown and LaTeX twins, and a metrics JSON):

- correlations.py          Table 1: SRCC/PLCC with bootstrap intervals, paired differences, per seed
- instability.py           Table 2: instability of repeated sampled answers
- temperature.py           instability against the sampling temperature (table and figure)
- grounding.py             Table 3: grounding of ratings in the model's own descriptions
- lens.py                  Table 4: logit-lens aggregates
- intervention.py          Table 5: does the score follow an edited description?
- description_accuracy.py  stage-1 feature accuracy of generated descriptions
- datasets.py              image counts per dataset and split
- merged_metrics.py        results/metrics.json for `dvc metrics show`
- common.py                what several tables share (loading predictions, metrics and plot files)
"""
