"""A QR code PNG for a flyer: the deep link as a QR code (segno) with the source's name under it (Pillow)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

#: Pixels per QR module: a version 4-5 code (a t.me link) becomes about 400 px wide, fine for print.
SCALE = 10
#: Characters per line of the name under the code.
LINE_CHARS = 32
FONT_SIZE = 26
MARGIN = 16


def write_flyer_qr(link: str, name: str, path: Path) -> None:
    """Write ``link`` as a QR code (error correction M) with ``name`` in lines under it, as a PNG."""
    import matplotlib
    import segno
    from PIL import Image, ImageDraw, ImageFont

    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=SCALE, border=4)
    buffer.seek(0)
    code = Image.open(buffer).convert("RGB")
    # DejaVu Sans comes with matplotlib and has every letter of the names (umlauts, ß, Turkish, Cyrillic).
    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"), FONT_SIZE)
    lines = textwrap.wrap(name, LINE_CHARS) or [""]
    line_height = FONT_SIZE + 8
    width = max(code.width, *(int(font.getlength(line)) + 2 * MARGIN for line in lines))
    flyer = Image.new("RGB", (width, code.height + len(lines) * line_height + MARGIN), "white")
    flyer.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(flyer)
    for number, line in enumerate(lines):
        draw.text((width / 2, code.height + number * line_height), line, fill="black", font=font, anchor="mt")
    flyer.save(path, format="PNG")
