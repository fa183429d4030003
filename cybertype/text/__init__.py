"""Text: bytes -> decoded text (`decode`), normalized text with an offset map (`normalize`), words (`segment`)."""
