"""Where the proxy sends requests, and when it attaches the server's credentials."""

import base64
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from labtrack_jupyter import target  # noqa: E402

CONFIGURED = "http://tracking.internal:5000"


class ResolveTest(unittest.TestCase):
    def test_configured_server_gets_the_token(self):
        env = {"MLFLOW_TRACKING_URI": CONFIGURED, "MLFLOW_TRACKING_TOKEN": "t0k"}
        self.assertEqual(target.resolve(None, env), (CONFIGURED, {"Authorization": "Bearer t0k"}))
        self.assertEqual(target.resolve(CONFIGURED + "/", env), (CONFIGURED, {"Authorization": "Bearer t0k"}))

    def test_basic_credentials(self):
        env = {"MLFLOW_TRACKING_URI": CONFIGURED, "MLFLOW_TRACKING_USERNAME": "ana", "MLFLOW_TRACKING_PASSWORD": "pw:é"}
        _, headers = target.resolve(None, env)
        raw = base64.b64decode(headers["Authorization"].split(" ")[1]).decode()
        self.assertEqual(raw, "ana:pw:é")

    def test_another_server_never_gets_the_credentials(self):
        env = {"MLFLOW_TRACKING_URI": CONFIGURED, "MLFLOW_TRACKING_TOKEN": "t0k"}
        self.assertEqual(target.resolve("http://elsewhere:5000", env), ("http://elsewhere:5000", {}))
        self.assertEqual(target.resolve("http://tracking.internal:5001", env), ("http://tracking.internal:5001", {}))

    def test_default_without_configuration(self):
        self.assertEqual(target.resolve(None, {}), (target.DEFAULT_URI, {}))

    def test_rejected_uris_say_why(self):
        for uri, why in [
            ("file:///etc/passwd", "http:// or https://"),
            ("postgresql://db/mlflow", "http:// or https://"),
            ("http://", "no host"),
            ("http://user:pw@host:5000", "credentials"),
        ]:
            with self.subTest(uri=uri), self.assertRaises(target.TargetError) as caught:
                target.resolve(uri, {})
            self.assertIn(why, str(caught.exception))
            self.assertNotIn("pw@", str(caught.exception))

    def test_redact_hides_credentials(self):
        self.assertEqual(target.redact("http://u:secret@h:1/x"), "http://***@h:1/x")
        self.assertEqual(target.redact("http://h:1"), "http://h:1")


if __name__ == "__main__":
    unittest.main()
