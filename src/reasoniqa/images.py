"""Image loading with a clear, one-line error naming the file."""

from __future__ import annotations

from pathlib import Path

from reasoniqa import UserError

MAX_PIXELS = 64_000_000  # refuse decompression bombs well before memory runs out


def load_image(path: str | Path):
    """Open an image as RGB (EXIF orientation applied); UserError naming the file if it cannot be."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"image is empty (0 bytes): {path}")
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                raise UserError(f"image too large ({img.width}x{img.height} pixels): {path}")
            img = ImageOps.exif_transpose(img)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale: scale to 8 bits
                img = img.point(lambda v: v / 256).convert("L")
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                img = img.convert("RGBA")
                background = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(background, img)
            return img.convert("RGB")
    except UserError:
        raise
    except Image.DecompressionBombError:
        raise UserError(f"image too large (decompression-bomb sized): {path}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UserError(f"cannot decode image {path}: {exc.__class__.__name__}: {exc}") from None
