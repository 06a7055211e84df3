"""Image counts per dataset and split (the datasets overview figure shows their score distributions)."""

from __future__ import annotations



def dataset_counts(data_dirs: list[str]):
    """Images, contents and references per dataset and split."""
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest

    rows = []
    for d in data_dirs:
        frame, meta = load_manifest(d, references=True)
        for split, part in frame.groupby("split", sort=True):
            rows.append({
                "dataset": meta["name"], "split": split,
                "images": int((part["is_reference"] == 0).sum()),
                "references": int(part["is_reference"].sum()),
                "contents": part["content"].nunique(),
                "mos_scale": "{}-{}".format(*meta["mos_scale"]),
                "lower_is_better": bool(meta["lower_is_better"]),
            })
    return pd.DataFrame(rows)
