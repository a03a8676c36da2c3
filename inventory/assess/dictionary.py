"""jieba's own dictionary (half a million words and their counts), loaded fast for reading names.

jieba keeps its ready dictionary as a marshal file in the shared temporary folder; loading it takes
about 1.5 s on a 2-core machine, because each of its half million Chinese keys is decoded on its
own. The same words kept as one UTF-8 text and their counts as one array of integers load in about
0.25 s. That copy lives in the user's cache folder (not a folder every user can write), keyed by
jieba's version and its word list's size; it is made from jieba's word list the first time and
whenever it is missing or does not add up.
"""

from __future__ import annotations

import array
import struct
from pathlib import Path
from typing import Any

from ..cache import cache_dir, write_atomic

FORMAT = 1
_HEAD = struct.Struct("<qqq")  # total count, words' bytes, number of words


def _encode(freq: dict[str, int], total: int) -> bytes:
    words = "\n".join(freq).encode()
    counts = array.array("q", freq.values())
    if counts.itemsize != 8:
        raise ValueError("64-bit counts")
    return _HEAD.pack(total, len(words), len(freq)) + words + counts.tobytes()


def _decode(data: bytes) -> tuple[dict[str, int], int]:
    total, size, n = _HEAD.unpack_from(data)
    words = data[_HEAD.size : _HEAD.size + size].decode().split("\n")
    counts = array.array("q")
    counts.frombytes(data[_HEAD.size + size :])
    if len(words) != n or len(counts) != n:
        raise ValueError("the copy does not add up")
    return dict(zip(words, counts, strict=True)), total


def tokenizer() -> Any:
    """A `jieba.Tokenizer` over jieba's own dictionary, ready to cut (words can still be added)."""
    import jieba

    tok = jieba.Tokenizer()
    folder = cache_dir()
    if folder is None:  # nowhere of our own to keep a copy: jieba loads its shared one
        tok.check_initialized()
        return tok
    try:  # jieba's version and its word list's size name the copy (a patched list makes a new one)
        size = (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).stat().st_size
    except OSError:
        size = 0
    ready = folder / f"jieba-{jieba.__version__}-{size}-{FORMAT}.words"
    try:
        tok.FREQ, tok.total = _decode(ready.read_bytes())
    except (OSError, ValueError, struct.error, UnicodeDecodeError):  # none yet, or stale or broken: made again
        with tok.get_dict_file() as source:
            tok.FREQ, tok.total = jieba.Tokenizer.gen_pfdict(source)
        write_atomic(ready, _encode(tok.FREQ, tok.total))
    tok.initialized = True
    return tok
