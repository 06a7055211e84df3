"""Bad-image corpus made by the test: each case is either decoded correctly or refused in one line."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from reasoniqa import UserError
from reasoniqa.images import load_image


def _png_with_size(width, height):
    """A tiny PNG whose header claims a huge size (decompression-bomb shaped)."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    ihdr = data[12:29]  # chunk type + 13 bytes of IHDR data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _save(img, fmt="PNG", **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


GOOD = np.zeros((12, 20, 3), np.uint8)
GOOD[:, :10] = (255, 0, 0)


def _exif_rotated():
    img = Image.fromarray(GOOD)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    return _save(img, "JPEG", exif=exif.tobytes(), quality=95)


HANDLED = {
    "greyscale.png": (_save(Image.new("L", (20, 12), 128)), (20, 12)),
    "palette.png": (_save(Image.fromarray(GOOD).convert("P")), (20, 12)),
    "alpha.png": (_save(Image.new("RGBA", (20, 12), (255, 0, 0, 0))), (20, 12)),
    "cmyk.jpg": (_save(Image.new("CMYK", (20, 12), (0, 255, 255, 0)), "JPEG"), (20, 12)),
    "sixteen_bit.png": (_save(Image.fromarray(np.full((12, 20), 40000, np.uint16))), (20, 12)),
    "png_named.jpg": (_save(Image.fromarray(GOOD)), (20, 12)),
    "exif_rotated.jpg": (_exif_rotated(), (12, 20)),
}

REFUSED = {
    "zero_byte.jpg": (b"", "empty"),
    "corrupt.jpg": (b"\xff\xd8\xff\xe0 not really a jpeg" * 10, "cannot decode"),
    "truncated.jpg": (_save(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)),
                            "JPEG")[:300], "cannot decode"),
    "text_named.png": (b"hello, I am a text file\n", "cannot decode"),
    "bomb.png": (_png_with_size(100_000, 100_000), "too large"),
}


@pytest.mark.parametrize("name", sorted(HANDLED))
def test_unusual_but_valid_images_decode_to_rgb(tmp_path, name):
    data, size = HANDLED[name]
    path = tmp_path / name
    path.write_bytes(data)
    img = load_image(path)
    assert img.mode == "RGB" and img.size == size


def test_alpha_is_composited_on_white_and_sixteen_bit_is_scaled(tmp_path):
    (tmp_path / "a.png").write_bytes(HANDLED["alpha.png"][0])
    assert load_image(tmp_path / "a.png").getpixel((0, 0)) == (255, 255, 255)
    (tmp_path / "b.png").write_bytes(HANDLED["sixteen_bit.png"][0])
    assert load_image(tmp_path / "b.png").getpixel((0, 0)) == (156, 156, 156)  # 40000 / 256


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_images_fail_in_one_line_naming_the_file(tmp_path, name):
    data, message = REFUSED[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UserError, match=message) as err:
        load_image(path)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_missing_image(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_image(tmp_path / "nope.png")
