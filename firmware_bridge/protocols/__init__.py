"""Pure stream decoders, one per wire protocol; each feeds bytes and returns frames + rejections."""
