"""The paper's figures, one module per kind (PNG through reasoniqa.io.save_png):

- examples.py     Figure 1 (contradictions and repeated answers) and predicted score by described feature
- dynamics.py     Figure 3 (logit lens, with Table 4) and Figure 5 (attention over context segments)
- temperature.py  instability against the sampling temperature
- scatter.py      predicted vs ground-truth scores
- datasets.py     score distributions per dataset (with the counts table)
"""
