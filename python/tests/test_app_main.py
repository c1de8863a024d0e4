"""app/main.py, the Lab `npm start` serves: its kernel websockets send without Nagle's algorithm."""

import importlib.util
import os
import unittest

MAIN = os.path.join(os.path.dirname(__file__), "..", "..", "app", "main.py")

try:
    from jupyter_server.services.kernels.handlers import ZMQChannelsHandler
except ImportError:  # pragma: no cover - jupyter_server missing on this interpreter
    ZMQChannelsHandler = None


def load_main():
    spec = importlib.util.spec_from_file_location("labtrack_app_main", MAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeHandler:
    def __init__(self):
        self.calls = []

    def set_nodelay(self, value):
        self.calls.append(("set_nodelay", value))


@unittest.skipIf(ZMQChannelsHandler is None, "jupyter_server is not installed")
class KernelSocketsWithoutNagle(unittest.TestCase):
    def setUp(self):
        self.original = ZMQChannelsHandler.open
        self.addCleanup(setattr, ZMQChannelsHandler, "open", self.original)

    def test_open_turns_nagle_off_before_jupyter_opens_the_channels(self):
        def recorded_open(handler, kernel_id):
            handler.calls.append(("open", kernel_id))
            return "opened"

        ZMQChannelsHandler.open = recorded_open
        load_main().kernel_sockets_without_nagle()
        handler = FakeHandler()
        self.assertEqual(ZMQChannelsHandler.open(handler, "k1"), "opened")
        self.assertEqual(handler.calls, [("set_nodelay", True), ("open", "k1")])


if __name__ == "__main__":
    unittest.main()
