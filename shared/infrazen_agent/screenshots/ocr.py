"""Tesseract OCR (through the `tesserocr` binding, in process): words with their boxes and
confidences, for the layout rules. The engine is loaded once per worker thread (an API object is
not thread-safe; loading the Russian and English models takes ~0.1 s).

Without Tesseract or its language data, `status()` says why and `read_words` raises
`Unavailable`; start-up and `/v1/ready` report it.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, ImageStat

from ..errors import Unavailable
from .layout import Word

_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
SMALL_WIDTH = 1700  # narrower screenshots are read at twice their size (small UI text)
MAX_SIDE = 3200  # larger ones are read scaled down to this (time grows with the area)
_DIGIT = re.compile(r"\d")
_local = threading.local()
_pool: ThreadPoolExecutor | None = None  # two OCR jobs at once: one per core of the reference machine


@cache
def tessdata_dir(configured: str = "") -> str | None:
    for candidate in (configured, os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS):
        if candidate and Path(candidate, "eng.traineddata").is_file():
            return candidate
    return None


@cache
def status(languages: str = "rus+eng", configured_dir: str = "") -> dict[str, Any]:
    """Whether OCR can run here, with the engine version and languages, or the reason it cannot."""
    try:
        import tesserocr
    except ImportError:
        return {"available": False, "reason": "the tesserocr package is not installed"}
    where = tessdata_dir(configured_dir)
    if where is None:
        return {"available": False, "reason": "no Tesseract language data (install tesseract-ocr-rus)"}
    missing = [lang for lang in languages.split("+") if not Path(where, f"{lang}.traineddata").is_file()]
    if missing:
        return {"available": False, "reason": f"Tesseract language data missing: {', '.join(missing)}"}
    version = tesserocr.tesseract_version().split()[1] if tesserocr.tesseract_version() else "?"
    return {"available": True, "engine": f"tesseract {version}", "languages": languages, "tessdata": where}


def _api(languages: str, where: str) -> Any:
    api = getattr(_local, "api", None)
    if api is None or getattr(_local, "key", None) != (languages, where):
        from tesserocr import PSM, PyTessBaseAPI

        # Sparse text: a billing screen is a table and a sidebar, not paragraphs.
        api = PyTessBaseAPI(path=where + "/", lang=languages, psm=PSM.SPARSE_TEXT)
        _local.api, _local.key = api, (languages, where)
    return api


def prepare(image: Image.Image) -> Image.Image:
    """Greyscale, dark themes inverted, small UI text enlarged, huge images reduced."""
    grey = ImageOps.exif_transpose(image).convert("L")
    if ImageStat.Stat(grey.resize((32, 32))).mean[0] < 110:
        grey = ImageOps.invert(grey)
    side = max(grey.size)
    if grey.width < SMALL_WIDTH and side * 2 <= MAX_SIDE * 1.5:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    elif side > MAX_SIDE:
        ratio = MAX_SIDE / side
        grey = grey.resize((int(grey.width * ratio), int(grey.height * ratio)), Image.Resampling.LANCZOS)
    return grey


def words_sync(image: Image.Image, languages: str = "rus+eng", configured_dir: str = "") -> list[Word]:
    state = status(languages, configured_dir)
    if not state["available"]:
        raise Unavailable(f"OCR is not available here: {state['reason']}")
    from tesserocr import RIL, iterate_level

    api = _api(languages, state["tessdata"])
    grey = prepare(image)
    api.SetImage(grey)
    api.Recognize()
    out = []
    iterator = api.GetIterator()
    for item in iterate_level(iterator, RIL.WORD) if iterator is not None else ():
        try:
            text = (item.GetUTF8Text(RIL.WORD) or "").strip()
        except RuntimeError:  # an empty page: Tesseract has no word to give
            break
        box = item.BoundingBox(RIL.WORD)
        if text and box:
            x1, y1, x2, y2 = box
            out.append(Word(text, x1, y1, x2, y2, max(0.0, item.Confidence(RIL.WORD)) / 100))
    api.Clear()
    digits = _digits_api(state["tessdata"])
    return [_reread(digits, grey, w) if len(_DIGIT.findall(w.text)) >= 2 else w for w in out]


def _digits_api(where: str) -> Any:
    """A second engine for figures: English model, digits and separators only, one line."""
    api = getattr(_local, "digits", None)
    if api is None or getattr(_local, "digits_key", None) != where:
        from tesserocr import PSM, PyTessBaseAPI

        api = PyTessBaseAPI(path=where + "/", lang="eng", psm=PSM.SINGLE_LINE)
        api.SetVariable("tessedit_char_whitelist", "0123456789,.-")
        _local.digits, _local.digits_key = api, where
    return api


def _reread(api: Any, image: Image.Image, word: Word) -> Word:
    """A figure read again alone by the digits-only engine: the page pass (Russian and English
    letters) confuses 8 and 3, 0 and O more often. The surer of the two readings wins."""
    pad = max(4, word.height // 3)
    crop = image.crop((max(0, word.x1 - pad), max(0, word.y1 - pad), word.x2 + pad, word.y2 + pad))
    api.SetImage(crop)
    text = (api.GetUTF8Text() or "").strip()
    conf = api.MeanTextConf() / 100
    api.Clear()
    if conf >= word.conf and text and len(_DIGIT.findall(text)) == len(_DIGIT.findall(word.text)):
        # Keep what followed the figure (a currency read as a letter) as the page pass read it.
        tail = word.text[len(word.text.rstrip("₽РPрp?$€ ")) :]
        return Word(text + tail, word.x1, word.y1, word.x2, word.y2, conf)
    return word


async def read_words(
    image: Image.Image, languages: str = "rus+eng", configured_dir: str = ""
) -> tuple[list[Word], float]:
    """(words, seconds) in an OCR thread (two at most: each keeps its engine loaded)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocr")
    t0 = time.perf_counter()
    words = await asyncio.get_running_loop().run_in_executor(_pool, words_sync, image, languages, configured_dir)
    return words, time.perf_counter() - t0
