"""The JupyterLab that `npm start` and the UI tests run: Debian's jupyter-server and jupyterlab-server
serving the front end built by app/build.cjs, with Labtrack's prebuilt extension and server extension
loaded from this checkout the way a user's JupyterLab would load the installed package."""

import datetime
import glob
import gzip
import hashlib
import json
import os
import re
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

# Configuration files on this machine must not change what the tests see.
os.environ.setdefault("JUPYTER_NO_CONFIG", "1")

from jupyter_server.base.handlers import APIHandler, FileFindHandler  # noqa: E402
from jupyterlab_server import LabServerApp  # noqa: E402
from jupyterlab_server.handlers import LabHandler  # noqa: E402
from jupyterlab_server.settings_handler import SettingsHandler  # noqa: E402
from jupyterlab_server.settings_utils import get_settings  # noqa: E402
from jupyterlab_server.translation_utils import (  # noqa: E402
    get_language_pack,
    get_language_packs,
    is_valid_locale,
    translator,
)
from jupyterlab_server.translations_handler import TranslationsHandler  # noqa: E402
from tornado import web, websocket  # noqa: E402

BUILD = os.path.join(HERE, "build")
# jupyterlab-server finds federated extensions as <path>/<package name>/package.json.
LABEXTENSIONS = os.path.join(HERE, ".labextensions")
LABTRACK_BUILD = os.path.join(ROOT, "python", "labtrack_jupyter", "labextension")


def link_labtrack():
    os.makedirs(LABEXTENSIONS, exist_ok=True)
    link = os.path.join(LABEXTENSIONS, "labtrack")
    if not os.path.islink(link):
        os.symlink(os.path.relpath(LABTRACK_BUILD, LABEXTENSIONS), link)

with open(os.path.join(ROOT, "package.json")) as f:
    VERSION = json.load(f)["version"]


class MeHandler(APIHandler):
    """JupyterLab 4 asks jupyter-server 2's /api/me who the user is; 1.x has no such route."""

    @web.authenticated
    def get(self):
        user = os.environ.get("USER") or "jovyan"
        identity = {
            "username": user,
            "name": user,
            "display_name": user,
            "initials": user[:1].upper(),
            "avatar_url": None,
            "color": None,
        }
        self.finish(json.dumps({"identity": identity, "permissions": {}}))


def kernel_sockets_without_nagle():
    """Sends each message on a kernel's websocket at once. Tornado leaves Nagle's algorithm on for
    websockets, and jupyter-server does not turn it off: when the kernel's `status: busy` is still
    unacknowledged, the messages after it (`execute_input`, the reply, outputs) wait for the browser's
    delayed ACK, about 40 ms. Measured in this Lab on `x = 1`: busy at 7 ms, execute_input at 48 ms,
    every cell alike. The messages are small and few; sending each in its own packet costs nothing."""
    from jupyter_server.services.kernels.handlers import ZMQChannelsHandler

    opened = ZMQChannelsHandler.open

    def open_without_nagle(self, *args, **kwargs):
        self.set_nodelay(True)
        return opened(self, *args, **kwargs)

    ZMQChannelsHandler.open = open_without_nagle


class EventsHandler(websocket.WebSocketHandler):
    """jupyter-server 2's event stream: nothing to report here, but the socket must open."""

    def check_origin(self, origin):
        return self.application.settings.get("allow_origin") == "*" or super().check_origin(origin)

    def on_message(self, message):
        pass


# A file whose name carries a content hash (rspack's [contenthash]: 16 hex digits, as in the app's chunks,
# fonts and main.<hash>.js, and in a federated extension's chunks and remoteEntry.<hash>.js) never
# changes under that name: the browser may keep it a year without asking again. Jupyter's own
# convention, a `?v=<hash>` query, means the same.
HASHED_NAME = re.compile(r"(?:^|[.-])[0-9a-f]{16,}\.[A-Za-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
# Text formats gzip shrinks; images and woff/woff2 fonts are compressed already.
COMPRESSIBLE = {
    ".js", ".mjs", ".css", ".json", ".svg", ".html", ".txt", ".map", ".ttf", ".eot", ".otf", ".wasm"
}
# Smaller answers fit in a packet either way; compressing them only costs the browser a decoder.
MIN_COMPRESS = 512


class _Asset:
    """One static file as served: its bytes, its gzip form (None: sent as is) and validators."""

    __slots__ = ("stamp", "raw", "gz", "etag", "modified")

    def __init__(self, path, stat):
        self.stamp = (stat.st_mtime_ns, stat.st_size)
        with open(path, "rb") as f:
            self.raw = f.read()
        self.gz = None
        if os.path.splitext(path)[1] in COMPRESSIBLE and len(self.raw) >= MIN_COMPRESS:
            # app/build.cjs wrote <file>.gz once at build; a federated extension's files (built by
            # their own package) are compressed here, once per server process.
            try:
                built = os.stat(path + ".gz")
                if built.st_mtime_ns >= stat.st_mtime_ns:
                    with open(path + ".gz", "rb") as f:
                        self.gz = f.read()
            except OSError:
                pass
            if self.gz is None:
                self.gz = gzip.compress(self.raw, compresslevel=6, mtime=0)
            if len(self.gz) >= len(self.raw):
                self.gz = None
        # Weak: the gzip and identity forms are the same resource (Vary tells caches apart).
        self.etag = f'W/"{hashlib.sha1(self.raw).hexdigest()[:20]}"'
        self.modified = datetime.datetime.fromtimestamp(int(stat.st_mtime), datetime.timezone.utc)


class AssetHandler(FileFindHandler):
    """Static files of the app and of federated extensions, served from memory: gzip when the browser
    accepts it (Content-Encoding, Vary), cached for a year when the name is content-hashed, otherwise
    revalidated every time (no-cache with an ETag, so an unchanged file costs a 304). Jupyter's own
    handler reads and sends every file uncompressed and makes the browser revalidate all of them on
    every load. Brotli is not offered: Debian's python3 has no brotli module here (nothing from PyPI)
    and chromium advertises `br` over HTTPS only, while the Lab is served over http://127.0.0.1."""

    # Per class: FileFindHandler caches path lookups by the relative path alone, which would mix the
    # app's files with an extension's of the same name.
    _static_paths: dict = {}
    _assets: dict = {}
    _assets_lock = threading.Lock()

    @classmethod
    def _asset(cls, path):
        stat = os.stat(path)
        with cls._assets_lock:
            asset = cls._assets.get(path)
            if asset is None or asset.stamp != (stat.st_mtime_ns, stat.st_size):
                asset = cls._assets[path] = _Asset(path, stat)
            return asset

    async def get(self, path, include_body=True):
        self.path = self.parse_url_path(path)
        absolute_path = self.get_absolute_path(self.root, self.path)
        self.absolute_path = self.validate_absolute_path(self.root, absolute_path)
        if self.absolute_path is None:
            return
        asset = self._asset(self.absolute_path)
        hashed = HASHED_NAME.search(os.path.basename(self.absolute_path)) or "v" in self.request.arguments
        self.set_header("Cache-Control", IMMUTABLE if hashed else "no-cache")
        self.set_header("Content-Type", self.get_content_type())
        self.set_header("Etag", asset.etag)
        self.set_header("Last-Modified", asset.modified)
        if asset.gz is not None:
            self.set_header("Vary", "Accept-Encoding")
        if self.check_etag_header():
            self.set_status(304)
            return
        body = asset.raw
        if asset.gz is not None and _accepts_gzip(self.request.headers.get("Accept-Encoding", "")):
            body = asset.gz
            self.set_header("Content-Encoding", "gzip")
        self.set_header("Content-Length", len(body))
        if include_body:
            self.write(body)

    def compute_etag(self):
        return None  # set above, for both forms


def _accepts_gzip(header):
    """Whether an Accept-Encoding header allows gzip (a `;q=0` refuses it)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            try:
                return not (q.startswith("q=") and float(q[2:]) == 0)
            except ValueError:
                return True  # a malformed weight: the default, 1
    return False


class PageHandler(LabHandler):
    """The Lab's page names the hashed main script of the current build: it is never cached, so a new
    build is picked up at the next load."""

    def set_default_headers(self):
        super().set_default_headers()
        self.set_header("Cache-Control", "no-cache")


class FastSettingsHandler(SettingsHandler):
    """The settings listing, which the Lab waits for at every load. jupyterlab-server 2.16 reads,
    translates and validates every schema and user setting for each request (100–400 ms of the single
    server thread here); the answer changes only when one of those files does, so it is kept and sent
    again while none has changed (and dropped at every write through this handler).
    JupyterLab 4 also lists the settings' ids once restored (`?ids_only=true`), which 2.16 ignores:
    answered with the ids alone, as jupyterlab-server 2.20+ does."""

    _listing = None  # (key, body): key = (locale, every file the listing is read from, with mtime and size)

    @web.authenticated
    def get(self, schema_name=""):
        if schema_name:
            return super().get(schema_name)
        if self.get_argument("ids_only", "") == "true":
            ids = _settings_ids(self.schemas_dir, self.labextensions_path)
            return self.finish(json.dumps({"settings": [{"id": i} for i in ids]}))
        locale = self.get_current_locale()
        key = (locale, self._files_stamp())
        cached = FastSettingsHandler._listing
        if cached is not None and cached[0] == key:
            return self.finish(cached[1])
        # What SettingsHandler.get does, keeping the answer.
        translator.set_locale(locale)
        result, warnings = get_settings(
            self.app_settings_dir,
            self.schemas_dir,
            self.settings_dir,
            labextensions_path=self.labextensions_path,
            overrides=self.overrides,
            translator=translator.translate_schema,
        )
        for w in warnings:
            if w:
                self.log.warning(w)
        body = json.dumps(result)
        FastSettingsHandler._listing = (key, body)
        return self.finish(body)

    @web.authenticated
    def put(self, schema_name):
        FastSettingsHandler._listing = None
        return super().put(schema_name)

    def _files_stamp(self):
        patterns = [os.path.join(self.schemas_dir, "**", "*.json")]
        patterns += [d + "/**/schemas/**/*.json" for d in self.labextensions_path or []]
        if self.settings_dir:
            patterns.append(os.path.join(self.settings_dir, "**", "*"))
        if self.app_settings_dir:
            patterns.append(os.path.join(self.app_settings_dir, "**", "*"))
        stamp = []
        for pattern in patterns:
            for path in glob.glob(pattern, recursive=True):
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # removed meanwhile: the next request sees it gone
                stamp.append((path, st.st_mtime_ns, st.st_size))
        stamp.sort()
        return tuple(stamp)


class CachedTranslationsHandler(TranslationsHandler):
    """The Lab asks for its language pack and the list of packs at every load; jupyterlab-server finds
    them by scanning the entry points of every installed Python distribution, each time (20–200 ms
    here, the server blocked meanwhile). The answers are kept for the life of the server: a language
    pack installed while it runs is seen after a restart."""

    _answers: dict = {}  # (locale asked, display locale) -> (body, whether the locale is switched to)

    @web.authenticated
    def get(self, locale=""):
        # The display locale (read from the user's settings) names the packs in the list only.
        key = (locale, self.get_current_locale() if locale == "" else "")
        answer = CachedTranslationsHandler._answers.get(key)
        if answer is None:
            # What TranslationsHandler.get does; an answer that failed is not kept.
            try:
                if locale == "":
                    data, message = get_language_packs(display_locale=key[1])
                    switch = False
                else:
                    data, message = get_language_pack(locale)
                    switch = (data != {} or message != "") and is_valid_locale(locale)
                    if data == {} and message == "":
                        valid = is_valid_locale(locale)
                        message = f"Language pack '{locale}' {'not installed' if valid else 'not valid'}!"
                answer = (json.dumps({"data": data, "message": message}), switch)
                CachedTranslationsHandler._answers[key] = answer
            except Exception:  # noqa: BLE001 - reported in the answer, as jupyterlab-server does
                answer = (json.dumps({"data": {}, "message": traceback.format_exc()}), False)
        body, switch = answer
        if switch:
            translator.set_locale(locale)
        self.set_status(200)
        return self.finish(body)


def _settings_ids(schemas_dir, labextensions_path):
    """The ids jupyterlab-server's full listing would give: <package>:<plugin> from the app's schemas
    (<schemas_dir>/<package>/<plugin>.json) and from each federated extension's schemas folder."""
    ids = set()
    for path in glob.glob(os.path.join(schemas_dir, "**", "*.json"), recursive=True):
        folder, name = os.path.split(os.path.relpath(path, schemas_dir))
        ids.add(f"{folder.replace(os.sep, '/')}:{name[: -len('.json')]}")
    for ext_dir in labextensions_path or []:
        for path in glob.glob(ext_dir + "/**/schemas/**/*.json", recursive=True):
            folder, name = os.path.split(path.replace(os.sep, "/").split("schemas/", 1)[1])
            ids.add(f"{folder}:{name[: -len('.json')]}")
    return sorted(ids)


class LabtrackLab(LabServerApp):
    name = __name__
    serverapp_config = {"jpserver_extensions": {"labtrack_jupyter": True}}
    app_name = "Labtrack"
    app_version = VERSION
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = True
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = os.path.join(BUILD, "static")
    # app/build.cjs writes the page template with the hashed name of the main script.
    templates_dir = os.path.join(BUILD, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.environ.get("LABTRACK_LAB_SETTINGS", os.path.join(BUILD, "user_settings"))
    workspaces_dir = os.environ.get("LABTRACK_LAB_WORKSPACES", os.path.join(BUILD, "workspaces"))

    def initialize_handlers(self):
        super().initialize_handlers()
        # Jupyter's file, page, settings and translations handlers replaced by the ones above; the app's static files
        # get theirs first in the list (tornado takes the first match; the extension framework appends
        # its own static handler after these).
        for i, (pattern, handler, *rest) in enumerate(self.handlers):
            if handler is FileFindHandler:
                self.handlers[i] = (pattern, AssetHandler, *rest)
            elif handler is LabHandler:
                self.handlers[i] = (pattern, PageHandler, *rest)
            elif handler is SettingsHandler:
                self.handlers[i] = (pattern, FastSettingsHandler, *rest)
            elif handler is TranslationsHandler:
                self.handlers[i] = (pattern, CachedTranslationsHandler, *rest)
        base = self.serverapp.base_url
        prefix = self.static_url_prefix
        prefix = prefix[len(base) :] if prefix.startswith(base) else prefix
        self.handlers.insert(0, (prefix.rstrip("/") + "/(.*)", AssetHandler, {"path": [self.static_dir]}))
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))

    def initialize_settings(self):
        super().initialize_settings()
        self.extra_labextensions_path = [LABEXTENSIONS]
        # The first /api/kernelspecs of a process imports ipykernel to describe the native kernel
        # (about 2 s here): done while the server starts rather than while the first page waits.
        threading.Thread(target=self._warm_kernelspecs, name="warm-kernelspecs", daemon=True).start()

    def _warm_kernelspecs(self):
        try:
            self.serverapp.kernel_spec_manager.get_all_specs()
        except Exception:  # noqa: BLE001 - the page's own request reports whatever is wrong
            pass


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": LabtrackLab}]


def main():
    link_labtrack()
    kernel_sockets_without_nagle()
    argv = sys.argv[1:]
    # The demo folder links the labtrack package in node_modules for tslab; nobody needs to browse it.
    argv.append("--ContentsManager.hide_globs=['__pycache__', '*.pyc', '*.pyo', '.DS_Store', '*~', 'node_modules']")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    LabtrackLab.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
