import itertools
import json

import numpy as np
import pandas as pd
import pytest

from reasoniqa.data.distortions import apply
from reasoniqa.descriptions import PHRASES, check_phrases, describe, parse
from reasoniqa.features import FEATURES, LEVELS, QUANTILES, calibrate, levels_of, measure, quantize
from reasoniqa.labels import calibrate_files, load_thresholds


def test_parser_round_trip_is_exact_for_every_level_combination():
    check_phrases()
    rng = np.random.default_rng(0)
    for combo in itertools.product(*(LEVELS[f] for f in FEATURES)):
        levels = dict(zip(FEATURES, combo))
        assert parse(describe(levels, rng)) == levels


def test_every_paraphrase_parses():
    for feature, by_level in PHRASES.items():
        for level, phrases in by_level.items():
            for phrase in phrases:
                assert parse(f"Well, {phrase}.")[feature] == level


def test_parser_reports_missing_or_contradictory_features_as_none():
    got = parse("Edges are sharp, and the image is heavily blurred.")
    assert got["blur"] is None and got["noise"] is None


def test_paraphrases_are_seeded_and_varied():
    levels = {f: LEVELS[f][0] for f in FEATURES}
    a = [describe(levels, np.random.default_rng(7)) for _ in range(3)]
    assert len(set(a)) == 1  # same seed -> same text
    rng = np.random.default_rng(7)
    assert len({describe(levels, rng) for _ in range(20)}) > 1  # the stream varies the template


def test_one_paraphrase_per_level_gives_one_text_per_level_combination():
    rng = np.random.default_rng(7)
    for combo in [("none", "severe", "slight", "dark", "low", "vivid"), ("severe", "none", "none", "bright", "normal", "muted")]:
        levels = dict(zip(FEATURES, combo))
        texts = {describe(levels, rng, paraphrases=1) for _ in range(20)}
        assert len(texts) == 1
        assert parse(texts.pop()) == levels
        assert all(PHRASES[f][levels[f]][0] in describe(levels, rng, 1).lower() for f in FEATURES)


def test_descriptions_name_the_described_features_only_and_read_back_exactly():
    from reasoniqa.descriptions import names_every_feature

    rng = np.random.default_rng(0)
    for subset in (["blur", "noise", "compression", "exposure", "contrast"], ["noise", "exposure"], ["colour"]):
        for combo in itertools.product(*(LEVELS[f] for f in subset)):
            text = describe(dict(zip(subset, combo)), rng)
            parsed = parse(text)
            assert {f: parsed[f] for f in subset} == dict(zip(subset, combo))
            assert all(parsed[f] is None for f in FEATURES if f not in subset)  # nothing else is named
            assert names_every_feature(parsed, subset) and not names_every_feature(parsed, FEATURES)
    assert describe({"noise": "none", "exposure": "dark"}, rng, 1) == "No grain is visible. It is underexposed and dark."
    assert describe({"blur": "none", "noise": "none"}, rng, 1) == "Edges are sharp and no grain is visible."


def test_calibration_records_the_described_features_and_levels_follow_them(tmp_path):
    pd.DataFrame({f: np.linspace(0, 1, 101) for f in FEATURES}).assign(split="train").to_csv(tmp_path / "f.csv", index=False)
    calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "cal.json"), None, ["noise", "blur"])
    described = load_thresholds(str(tmp_path / "cal.json"))
    assert list(described) == ["blur", "noise"]  # in FEATURES order, whatever order the config gave
    assert list(load_thresholds(str(tmp_path / "cal.json"), every_feature=True)) == FEATURES
    assert list(levels_of(pd.Series(0.5, index=FEATURES), described)) == ["blur", "noise"]
    calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "default.json"))
    assert "colour" not in load_thresholds(str(tmp_path / "default.json"))  # the default leaves colour out
    old = json.loads((tmp_path / "default.json").read_text())
    del old["described"]  # a calibration written before labels.features: all six described
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert list(load_thresholds(str(tmp_path / "old.json"))) == FEATURES


@pytest.mark.parametrize("features, message", [(["blur", "sharpness"], "sharpness"), ([], "labels.features"),
                                               (["blur", "blur"], "labels.features")])
def test_bad_described_features_in_a_config_are_refused_in_one_line(root, tmp_path, features, message):
    import yaml

    from reasoniqa import UserError
    from reasoniqa.config import load_config
    from reasoniqa.features import described

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"labels": {"features": features}}))
    with pytest.raises(UserError, match=message) as err:
        described(load_config([root / "config/config.yaml", bad])["labels"].get("features"))
    assert "\n" not in str(err.value)


def test_a_config_moves_one_feature_s_level_boundaries_and_nothing_else(tmp_path):
    values = pd.DataFrame({f: np.linspace(0, 1, 101) for f in FEATURES})
    moved = calibrate(values, {"blur": [0.75, 0.85, 0.93]})
    assert moved["blur"] == pytest.approx([0.75, 0.85, 0.93])
    assert {f: moved[f] for f in FEATURES if f != "blur"} == {f: t for f, t in calibrate(values).items() if f != "blur"}
    # the calibration step records the quantiles it cut at
    values.assign(split="train").to_csv(tmp_path / "f.csv", index=False)
    calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "cal.json"), {"blur": [0.75, 0.85, 0.93]})
    recorded = json.loads((tmp_path / "cal.json").read_text())
    assert recorded["quantiles"]["blur"] == [0.75, 0.85, 0.93] and recorded["quantiles"]["noise"] == QUANTILES["noise"]
    assert recorded["thresholds"]["blur"] == pytest.approx([0.75, 0.85, 0.93])


def test_greyscale_images_are_muted_and_colour_is_cut_among_the_images_that_have_colour(tmp_path, caplog):
    """Colourfulness 0 for a third of the training images (greyscale photographs): quantiles over all of
    them would put the first cut at 0, and a value at a cut takes the level above, so 'muted' would never be
    named. The cuts sit among the coloured images instead; a greyscale image is 'muted', as are the least
    colourful fifth of the others. A tied mass elsewhere (blur 0 for 80 %) still leaves a level empty: logged."""
    values = pd.DataFrame({f: np.linspace(0, 1, 90) for f in FEATURES})
    values["colour"] = np.r_[np.zeros(30), np.linspace(1, 60, 60)]
    values["blur"] = np.r_[np.zeros(72), np.linspace(0.1, 1, 18)]
    values.assign(split="train").to_csv(tmp_path / "f.csv", index=False)
    with caplog.at_level("WARNING", logger="reasoniqa.labels"):
        thresholds = calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "cal.json"))
    np.testing.assert_allclose(thresholds["colour"], np.quantile(np.linspace(1, 60, 60), [0.2, 0.8]))
    levels = [quantize(v, thresholds["colour"], "colour") for v in values["colour"]]
    assert levels[:30] == ["muted"] * 30 and levels[30:42] == ["muted"] * 12 and levels[-12:] == ["vivid"] * 12
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "blur 'none'" in warned[0], warned


def test_noise_is_cut_among_the_images_with_chroma_so_greyscale_ones_do_not_move_the_cuts():
    """Greyscale photographs read chroma noise 0: cut over all images, their share would decide where
    "none" ends among the colour ones. Among the images with chroma, adding greyscale ones changes nothing."""
    colour = pd.DataFrame({f: np.linspace(0.001, 0.1, 60) for f in FEATURES})
    with_grey = pd.concat([colour, colour.iloc[:40].assign(noise=0.0)], ignore_index=True)
    assert calibrate(with_grey)["noise"] == pytest.approx(calibrate(colour)["noise"])
    assert quantize(0.0, calibrate(with_grey)["noise"], "noise") == "none"
    assert calibrate(with_grey)["blur"] != pytest.approx(calibrate(colour)["blur"])  # other features: all images


def test_a_training_split_without_any_jpeg_names_every_image_uncompressed(tmp_path, caplog):
    """Real photographs resized before measuring have no 8x8 lattice left: compression reads 0 for all.
    Calibration still runs; every image, train or test, is 'none', and the unnamed levels are logged."""
    values = pd.DataFrame({f: np.linspace(0.1, 1, 40) for f in FEATURES}).assign(compression=0.0, split="train")
    values.to_csv(tmp_path / "f.csv", index=False)
    with caplog.at_level("WARNING", logger="reasoniqa.labels"):
        thresholds = calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "cal.json"))
    assert {quantize(v, thresholds["compression"], "compression") for v in (0.0, 0.5, 0.95)} == {"none"}
    assert load_thresholds(str(tmp_path / "cal.json"))["compression"] == thresholds["compression"]
    assert sum("compression" in r.getMessage() for r in caplog.records) == 3


@pytest.mark.parametrize("quantiles, message", [
    ({"sharpness": [0.5]}, "unknown feature 'sharpness'"),
    ({"exposure": [0.5]}, "1 quantiles for 3 levels"),
    ({"blur": [0.5, 0.4, 0.9]}, "must increase strictly"),
    ({"blur": [0.0, 0.5, 0.9]}, "must increase strictly"),
])
def test_bad_level_quantiles_in_a_config_are_refused_in_one_line(root, tmp_path, quantiles, message):
    import yaml

    from reasoniqa import UserError
    from reasoniqa.config import load_config

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"labels": {"quantiles": quantiles}}))
    with pytest.raises(UserError, match=message) as err:
        load_config([root / "config/config.yaml", bad])
    assert "labels.quantiles" in str(err.value) and "\n" not in str(err.value)


def test_the_experiment_config_of_the_level_boundaries_loads(root):
    from reasoniqa.config import load_config

    cfg = load_config([root / "config/config.yaml", root / "experiments/level_boundaries_75.yaml"])
    assert cfg["labels"]["quantiles"]["blur"] == [0.75, 0.85, 0.93] and cfg["labels"]["seed"] == 0


def test_calibration_uses_quantiles_and_levels_follow_thresholds():
    values = pd.DataFrame({f: np.linspace(0, 1, 101) for f in FEATURES})
    thresholds = calibrate(values)
    assert thresholds["blur"] == pytest.approx([0.7, 0.85, 0.95])
    assert thresholds["exposure"] == pytest.approx([0.15, 0.85])
    assert quantize(0.6, thresholds["blur"], "blur") == "none"
    assert quantize(0.8, thresholds["blur"], "blur") == "slight"
    assert quantize(0.9, thresholds["blur"], "blur") == "moderate"
    assert quantize(0.96, thresholds["blur"], "blur") == "severe"
    assert quantize(0.05, thresholds["exposure"], "exposure") == "dark"
    assert levels_of(values.iloc[100], thresholds)["colour"] == "vivid"


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.astronaut()[::2, ::2] / 255.0


@pytest.mark.parametrize("distortion, feature, direction", [
    ("blur", "blur", 1), ("noise", "noise", 1), ("jpeg", "compression", 1), ("dark", "exposure", -1),
    ("bright", "exposure", 1), ("contrast", "contrast", -1), ("desaturate", "colour", -1),
])
def test_each_estimator_tracks_its_distortion(photo, distortion, feature, direction):
    rng = np.random.default_rng(0)
    values = [measure((apply(photo, {distortion: s}, rng) * 255).astype(np.uint8))[feature]
              for s in (0.0, 0.5, 1.0)]
    assert np.all(np.diff(values) * direction > 0), values


def test_pixel_noise_is_not_read_as_colour(photo):
    """Noise independent per channel is chroma: unsmoothed, a noisy greyscale photograph read two thirds
    as colourful as the colour photograph itself, and "vivid" meant "noisy". Read at CHROMA_SIGMA, the noisy
    greyscale photograph stays far below the colour one, and noise moves the colour photograph little."""
    from reasoniqa.features import colourfulness

    def as_uint8(img):
        return (np.clip(img, 0, 1) * 255).astype(np.uint8)

    rng = np.random.default_rng(0)
    grey = photo.mean(axis=-1, keepdims=True).repeat(3, axis=-1)
    noisy_grey = colourfulness(as_uint8(apply(grey, {"noise": 0.5}, rng)))
    colour, noisy_colour = colourfulness(as_uint8(photo)), colourfulness(as_uint8(apply(photo, {"noise": 0.5}, rng)))
    assert colourfulness(as_uint8(grey)) == 0.0
    assert noisy_grey < 0.25 * colour, (noisy_grey, colour)
    assert abs(noisy_colour - colour) < 0.1 * colour, (noisy_colour, colour)


def test_features_measured_in_parallel_equal_one_process(tmp_path, test_cfg):
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import measure_dataset

    synthesize("synth_csiq", test_cfg["datasets"]["synth_csiq"], tmp_path / "d", test_cfg["test_photos"], progress=False)
    measure_dataset(str(tmp_path / "d"), str(tmp_path / "one.csv"))
    measure_dataset(str(tmp_path / "d"), str(tmp_path / "two.csv"), workers=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_jpeg_quantization_reads_the_quality_a_photograph_was_saved_at(photo):
    import io

    from PIL import Image

    from reasoniqa.features import jpeg_quantization

    def saved(img, quality):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=quality)
        return np.asarray(Image.open(buf).convert("RGB"))

    # the quality itself, not a coarser lattice that still fits (51's steps are within 2 units of 50's)
    qualities = [5, 10, 20, 30, 40, 50, 75]
    read = [jpeg_quantization(saved((photo * 255).astype(np.uint8), q)) for q in qualities]
    assert np.allclose(read, [1 - q / 100 for q in qualities], atol=0.011), read
    assert all(np.diff(read) < 0), read
    # other photographs, where a lattice about twice as coarse fits first (read 9 and 14 for 20 and 30)
    from skimage import data

    for other in (data.chelsea(), data.coffee(), np.stack([data.camera()] * 3, axis=-1)):
        read = [jpeg_quantization(saved(other, q)) for q in (20, 30)]
        assert np.allclose(read, [0.8, 0.7], atol=0.011), read
    # resampled after compression, the 8x8 lattice is gone: no compression is read, whatever the quality
    for q in qualities:
        resized = np.asarray(Image.fromarray(saved((photo * 255).astype(np.uint8), q)).resize((224, 224), Image.BICUBIC))
        assert jpeg_quantization(resized) == 0.0, q


def test_ijg_table_is_the_table_libjpeg_writes_at_every_quality():
    """The lattice the compression estimator fits is the one a JPEG file carries (Pillow reads it back)."""
    import io

    from PIL import Image

    from reasoniqa.features import ijg_table

    img = Image.fromarray(np.zeros((16, 16, 3), np.uint8))
    for quality in range(1, 101):
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=quality)
        written = np.array(Image.open(io.BytesIO(buf.getvalue())).quantization[0]).reshape(8, 8)
        np.testing.assert_array_equal(written, ijg_table(quality), err_msg=f"quality {quality}")


def test_an_uncompressed_photograph_reads_no_compression(photo):
    from reasoniqa.features import jpeg_quantization

    assert jpeg_quantization((photo * 255).astype(np.uint8)) == 0.0
