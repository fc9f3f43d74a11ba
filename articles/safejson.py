"""JSON that is safe to serve even if something sniffs or embeds it as HTML."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder

# Outside strings JSON never contains these characters, so escaping them everywhere
# keeps the document valid and equal once parsed. (The same escapes as json_script.)
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class HtmlSafeJSONEncoder(DjangoJSONEncoder):
    """Writes ``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e`` and ``\\u0026``."""

    def encode(self, o) -> str:
        return super().encode(o).translate(_ESCAPES)
