"""Image thumbnails, made with Pillow from bytes nobody vouched for.

Only PNG, JPEG, GIF and WebP decoders are tried. Images with more pixels than the
limit are refused before they are decoded: a small file can declare a huge canvas
(a decompression bomb) that would take gigabytes to decode.
"""

import io
import logging
import warnings

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
THUMBNAIL_TYPE = "image/webp"


def configure_pillow(max_pixels: int) -> None:
    """Make Pillow refuse images past ``max_pixels`` itself, as a second guard.

    Pillow only warns between its limit and twice its limit; the warning is made
    an error so that no path decodes such an image. Called by composition roots.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def thumbnail_of(data: bytes, *, max_pixels: int, edge: int) -> bytes | None:
    """A WebP at most ``edge`` pixels wide and high, or None if the image is
    unreadable, of another format, or larger than ``max_pixels``. Blocks: run it
    in a worker thread."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > max_pixels:
                log.warning("image of %dx%d refused", image.width, image.height)
                return None
            image.draft("RGB", (edge, edge))
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge))
            mode = "RGBA" if _has_alpha(upright) else "RGB"
            out = io.BytesIO()
            upright.convert(mode).save(out, "WEBP", quality=80)
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        log.warning("image refused as a decompression bomb: %s", error)
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        # Pillow reports broken or truncated images with all of these.
        log.info("no thumbnail for an unreadable image: %r", error)
    return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
