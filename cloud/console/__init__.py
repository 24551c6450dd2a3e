"""The regulator console: a static single-page app (zh-CN first, English second) served at
`/console`. Plain HTML, CSS and JavaScript written for this project, no CDN and no build step:
it works offline and speaks only to the cloud's own `/api/v1` routes with the user's token.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")
