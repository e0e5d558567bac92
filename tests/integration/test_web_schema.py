"""The event contract the pages read (/api/schema) is what pressd
publishes and records: every field of every event pressd sends on the
stream is in the schema pressd-web serves, every field the schema lists
for a type is in pressd's messages of that type, and the recorded tables'
columns are the schema's fields (model/events.def, declared once)."""

import glob
import json

import h5py

from webtools import WebTestCase, Web

COMMON = {"v", "type", "device", "seq", "t", "time", "frame", "phase"}


class WebSchema(WebTestCase):

    def test_schema_is_what_pressd_publishes_and_records(self):
        d = self.pressd("-d", "sim:mat?scenario=all&speed=max&rows=24&cols=40", "-r", self.tmp.name,
                        trace=False, cwd=self.tmp.name)
        sub = self.collector(d.pub)
        w = Web(d.pub, d.control, tmpdir=self.tmp.name)
        self.procs.append(w)
        status, body = w.get("/api/schema")
        self.assertEqual(status, 200, body)
        schema = json.loads(body)["types"]
        want = {"contact", "press", "hold", "pulses", "stroke", "tare"}
        self.assertTrue(sub.wait_for(lambda ms: want - {"tare"} <= {m.type for m in ms}, 60, d.proc))
        msgs = sub.stop()
        seen = {}
        for m in msgs:
            if m.type in schema:
                seen.setdefault(m.type, set()).update(set(m.body) - COMMON)
        self.assertTrue(want - {"tare"} <= set(seen), seen.keys())
        for typ, fields in seen.items():
            declared = {f["name"] for f in schema[typ]["fields"]}
            self.assertLessEqual(fields, declared, "%s: published but not in /api/schema" % typ)
            # Optional fields (force: calibrated only) may be absent;
            # every other declared field is in some message of the type.
            always = {f["name"] for f in schema[typ]["fields"] if f["when"] != "if_set"}
            self.assertLessEqual(always, fields, "%s: in /api/schema but never published" % typ)
        d.stop()
        files = glob.glob(self.tmp.name + "/*.h5")
        self.assertEqual(len(files), 1, files)
        with h5py.File(files[0], "r") as f:
            for typ, t in schema.items():
                if not t["table"]:
                    continue
                cols = set(f[t["table"]].dtype.names)
                for fld in t["fields"]:
                    if fld["kind"] == "list":
                        self.assertIn("/events/pulse_durations", f)
                    else:
                        self.assertIn(fld["name"], cols, "%s: no column in %s" % (fld["name"], t["table"]))
