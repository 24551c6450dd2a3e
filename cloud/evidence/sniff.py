"""The media type of evidence, decided from its first bytes (never from the client's header).

A tight table of the four formats edge nodes produce; anything else is refused, so a stored
file can never be served as HTML or script whatever a client claimed.
"""

SNIFF_BYTES = 16


def sniff(head: bytes) -> str | None:
    """The media type of a file starting with `head` (≥ 12 bytes), or None if not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM (Matroska) video
        return "video/webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":  # ISO base media: MP4 and its brands
        return "video/mp4"
    return None


MEDIA_TYPES = ("image/jpeg", "image/png", "video/mp4", "video/webm")
