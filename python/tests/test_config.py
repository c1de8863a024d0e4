"""What /labtrack/config tells the page: the tracking URI (redacted) and the user runs are logged as."""

import getpass
import os
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

try:
    from labtrack_jupyter import handlers  # noqa: E402
except ImportError as e:  # pragma: no cover - jupyter_server missing on this interpreter
    handlers = None
    MISSING = str(e)


@unittest.skipIf(handlers is None, "jupyter_server is not installed")
class ConfigPayloadTest(unittest.TestCase):
    def test_names_the_os_user(self):
        self.assertEqual(handlers.config_payload()["user"], getpass.getuser())

    def test_user_is_none_when_the_os_cannot_say(self):
        with mock.patch.object(handlers.getpass, "getuser", side_effect=KeyError("uid 1234")):
            self.assertIsNone(handlers.config_payload()["user"])

    def test_keeps_the_other_fields(self):
        with mock.patch.dict(os.environ, {"MLFLOW_TRACKING_URI": "http://u:secret@tracking:5000"}):
            payload = handlers.config_payload()
        self.assertNotIn("secret", payload["trackingUri"])
        self.assertTrue(payload["fromEnvironment"])
        self.assertIn("credentials", payload)


if __name__ == "__main__":
    unittest.main()
