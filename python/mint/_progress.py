"""Progress reporting for long calls: a callback ``(done, total)``, a tqdm bar, or nothing.

Every long call takes ``progress=``:

- ``None`` (the default): a tqdm bar when tqdm is installed (``tqdm.auto``, so notebooks get a
  widget), else nothing;
- ``False``: nothing;
- ``True``: a tqdm bar (ImportError without tqdm);
- a callable: called as ``progress(done, total)`` between batches, with the GIL held.

Whatever is chosen, Ctrl-C stops the call between batches with KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Optional, Union

Progress = Union[None, bool, Callable[[int, int], object]]


@contextlib.contextmanager
def progress_callback(progress: Progress, desc: str, unit: str = "seq") -> Iterator[Optional[Callable[[int, int], None]]]:
    """The callback the native module calls, and the bar it drives (closed on exit)."""
    if progress is not None and not isinstance(progress, bool) and not callable(progress):
        raise TypeError(f"progress: expected None, True, False or a callable (done, total), got "
                        f"{type(progress).__name__}")
    if progress is False:
        yield None
        return
    if callable(progress) and progress is not True:
        yield progress
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress is True:
            raise ImportError("progress=True needs tqdm (pip install tqdm)") from None
        yield None
        return
    bar = tqdm(desc=desc, unit=unit, total=None, leave=False)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
