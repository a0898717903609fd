"""Static files under content-hashed names, cached for good.

`manage.py collectstatic` writes every file under STATIC_ROOT twice, as
`js/meeting-list.js` and as `js/meeting-list.0123456789ab.js` (the first 12
hex digits of its MD5), with a manifest (`staticfiles.json`) that `{% static %}`
reads, and gzip and Brotli copies (whitenoise's compressing storage).
WhiteNoise's middleware (settings.MIDDLEWARE, with DJANGO_SERVE_STATIC) serves
them: a hashed name never changes content, so it is served with
`Cache-Control: max-age=315360000, public, immutable` (whitenoise's ten years;
nginx sends a year); the plain names, which an old cached page may still ask
for, with `max-age=60`.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed names, with the ES modules' relative imports rewritten to them.

    The pages' modules import each other by relative path ("./live/api.js");
    unrewritten, a hashed module would import the plain name, which is
    neither versioned nor cached for long, and a module loaded under both
    names would run twice.
    """

    support_js_module_import_aggregation = True
