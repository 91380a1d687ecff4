"""pvlab_report.py - read the lab plugin's report (build/plugins/pvlab-cache.so).

The plugin prints `pvlab-cache: window=W record=R key=value ...` lines through
QEMU's -d plugin log (tools/plugin/pvlab_cache.c: report()).  parse_report()
turns a log into {window: {record: {key: value}}}, with the per-cache,
per-region and per-site records gathered under 'cache', 'data' and
'cr3_sites', count_pc='s executions under 'pcs' ({address: count}) and
profile=on's busiest blocks under 'profile' (a list, busiest first per
region).  The one reader of that format, used by the tests
(tests/instrument_tests.py) and by the lab (lab/measure.py).
"""


def fields(text):
    """'a=1 b=x' -> {'a': '1', 'b': 'x'} (words without '=' are skipped)."""
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


def parse_report(log):
    """The plugin's lines by window: {'1': {'haps': {...}, 'cache': {(name, region): {...}}, ...}}."""
    windows = {}
    for line in log.splitlines():
        if not line.startswith("pvlab-cache: "):
            continue
        f = fields(line[len("pvlab-cache: "):])
        w = windows.setdefault(f.pop("window"), {"cache": {}, "data": {}, "cr3_sites": [],
                                                 "pcs": {}, "profile": []})
        rec = f.pop("record")
        if rec == "cache":
            w["cache"][(f["name"], f["region"])] = f
        elif rec == "data":
            w["data"][f.pop("region")] = f
        elif rec == "cr3_site":
            w["cr3_sites"].append(f)
        elif rec == "pc":
            w["pcs"][int(f["pc"], 16)] = int(f["count"])
        elif rec == "profile":
            w["profile"].append(f)
        else:
            w[rec] = f
    return windows
