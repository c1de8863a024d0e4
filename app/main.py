"""The JupyterLab that `npm start` and the UI tests run: Debian's jupyter-server and jupyterlab-server
serving the front end built by app/build.cjs, with Labtrack's prebuilt extension and server extension
loaded from this checkout the way a user's JupyterLab would load the installed package."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

# Configuration files on this machine must not change what the tests see.
os.environ.setdefault("JUPYTER_NO_CONFIG", "1")

from jupyter_server.base.handlers import APIHandler  # noqa: E402
from jupyterlab_server import LabServerApp  # noqa: E402
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


class EventsHandler(websocket.WebSocketHandler):
    """jupyter-server 2's event stream: nothing to report here, but the socket must open."""

    def check_origin(self, origin):
        return self.application.settings.get("allow_origin") == "*" or super().check_origin(origin)

    def on_message(self, message):
        pass


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
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.environ.get("LABTRACK_LAB_SETTINGS", os.path.join(BUILD, "user_settings"))
    workspaces_dir = os.environ.get("LABTRACK_LAB_WORKSPACES", os.path.join(BUILD, "workspaces"))

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))

    def initialize_settings(self):
        super().initialize_settings()
        self.extra_labextensions_path = [LABEXTENSIONS]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": LabtrackLab}]


def main():
    link_labtrack()
    argv = sys.argv[1:]
    # The demo folder links the labtrack package in node_modules for tslab; nobody needs to browse it.
    argv.append("--ContentsManager.hide_globs=['__pycache__', '*.pyc', '*.pyo', '.DS_Store', '*~', 'node_modules']")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    LabtrackLab.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
