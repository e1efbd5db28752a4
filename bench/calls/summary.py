#!/usr/bin/env python3
"""Summary of the call benchmark (scripts/bench-calls): reads the script's TSV
files and prints the "summary" lines and one NDJSON line
({"benchmark":"calls",...}). Standard library only (python3-minimal).

Arguments: RESULTS MEMORY SERVERS STEP_SECONDS RCVBUF CLK_TCK LOAD1 LOAD2
           HOLD_CALLS HOLD_RATE
  RESULTS  server rate sent uac_ok uas_ok failed retrans cpu_ns cpu_ticks
           sipp_cpu_s elapsed_s socket_drops      (one rate step per line)
  MEMORY   server calls rate idle_pss_kb idle_rss_kb hold_pss_kb hold_rss_kb
           failed up_at_sample                     (one memory step per line)
  SERVERS  server version udp_rcvbuf processes status note
A step is sustained ("ok") when under 0.1% of its calls failed and the
achieved rate is at least 90% of the offered one.
"""

import json
import sys

GOAL_CALLS_PER_CPU_S_RATIO = 0.5  # sipproxyd / kamailio


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def step_status(x):
    if x["failed"] * 1000 >= x["sent"]:
        return "failed"
    if x["achieved_per_s"] is None or x["achieved_per_s"] < 0.9 * x["rate"]:
        return "not_held"
    return "ok"


def main():
    (results, memory, info, step_s, rcvbuf, hz, load1, load2, hold_calls,
     hold_rate) = sys.argv[1:11]
    hz = int(hz)
    steps = {}
    for (s, rate, sent, uac_ok, uas_ok, failed, retr, ns, ticks, sipp_cpu, elapsed,
         drops) in read_tsv(results):
        ok = min(int(uac_ok), int(uas_ok))
        sent = int(sent)
        el = float(elapsed)
        x = {"rate": int(rate), "sent": sent, "uac_ok": int(uac_ok), "uas_ok": int(uas_ok),
             "ok": ok, "failed": int(failed), "failed_pct": round(100.0 * int(failed) / sent, 3),
             "retransmissions": int(retr),
             "cpu_us_per_call": round(int(ns) / 1000.0 / ok, 1) if ok else None,
             "cpu_us_per_call_ticks": round(int(ticks) * 1e6 / hz / ok, 1) if ok else None,
             "achieved_per_s": round(ok / el, 1) if el > 0 else None,
             "socket_drops": int(drops), "sipp_cpu_s": float(sipp_cpu)}
        x["status"] = step_status(x)
        steps.setdefault(s, []).append(x)
    mem = {}
    for s, calls, rate, p0, r0, p1, r1, failed, up in read_tsv(memory):
        n = int(calls)
        mem[s] = {"calls": n, "rate": int(rate), "up_at_sample": int(up),
                  "idle_pss_kb": int(p0), "idle_rss_kb": int(r0),
                  "hold_pss_kb": int(p1), "hold_rss_kb": int(r1), "failed": int(failed),
                  "kb_per_call_pss": round((int(p1) - int(p0)) / n, 2),
                  "kb_per_call_rss": round((int(r1) - int(r0)) / n, 2)}
    servers = {}
    for s, version, rb, nproc, status, note in read_tsv(info):
        servers[s] = {"version": version, "udp_rcvbuf": rb, "processes": int(nproc),
                      "status": status, "note": note}

    out = {"benchmark": "calls", "seconds_per_step": int(step_s), "rcvbuf": int(rcvbuf),
           "hold_calls": int(hold_calls), "hold_rate": int(hold_rate),
           "loadavg_before": float(load1), "loadavg_after": float(load2), "servers": {}}
    print()
    for s, v in servers.items():
        st = steps.get(s, [])
        good = [x for x in st if x["status"] == "ok"]
        entry = dict(v, steps=st, memory=mem.get(s),
                     max_rate=max((x["rate"] for x in good), default=None),
                     stopped_by=next((x["status"] for x in st if x["status"] != "ok"),
                                     "end_of_rates" if st else None))
        out["servers"][s] = entry
        if v["status"] != "ok":
            print(f"summary {s:9s} FAILED: {v['note']}")
            continue
        m = entry["max_rate"]
        why = {"failed": "the next rate had >= 0.1% failed calls",
               "not_held": "at the next rate SIPp achieved < 90% of the offered rate",
               "end_of_rates": "highest rate tried; the ceiling is higher",
               None: "no rate step ran"}[entry["stopped_by"]]
        print(f"summary {s:9s} highest call rate with < 0.1% failed calls: "
              + (f"{m}/s ({why})" if m else "none (the first step was not sustained)"))
        if m:
            x = next(x for x in good if x["rate"] == m)
            print(f"summary {s:9s} at {m}/s: {x['cpu_us_per_call']} us CPU per call "
                  f"({round(1e6 / x['cpu_us_per_call']) if x['cpu_us_per_call'] else '?'} calls per CPU second)")
        if s in mem:
            mm = mem[s]
            print(f"summary {s:9s} memory per active call: {mm['kb_per_call_pss']} kB PSS "
                  f"({mm['kb_per_call_rss']} kB RSS) with {mm['calls']} calls up "
                  f"({mm['failed']} failed)")
    if "kamailio" in steps and "sipsmith" in steps:
        k = {x["rate"]: x for x in steps["kamailio"] if x["status"] == "ok"}
        p = {x["rate"]: x for x in steps["sipsmith"] if x["status"] == "ok"}
        both = sorted(set(k) & set(p))
        if both:
            common = both[-1]
            ku, pu = k[common]["cpu_us_per_call"], p[common]["cpu_us_per_call"]
            out["common_rate"] = common
            out["cpu_us_per_call"] = {"kamailio": ku, "sipsmith": pu}
            out["calls_per_cpu_s"] = {"kamailio": round(1e6 / ku) if ku else None,
                                      "sipsmith": round(1e6 / pu) if pu else None}
            ratio = round(ku / pu, 3) if ku and pu else None
            out["ratio_calls_per_cpu_s_sipsmith_over_kamailio"] = ratio
            out["ratio_cpu_us_per_call_sipsmith_over_kamailio"] = round(pu / ku, 3) if ku and pu else None
            kr = sum(k[r]["cpu_us_per_call"] for r in both)
            pr = sum(p[r]["cpu_us_per_call"] for r in both)
            out["ratio_calls_per_cpu_s_mean_over_common_rates"] = round(kr / pr, 3) if pr else None
            out["goal_calls_per_cpu_s_ratio"] = GOAL_CALLS_PER_CPU_S_RATIO
            out["goal_met"] = ratio is not None and ratio >= GOAL_CALLS_PER_CPU_S_RATIO
            print(f"summary CPU per call at {common}/s (highest rate both sustained): kamailio {ku} us, "
                  f"sipproxyd {pu} us; sipproxyd/kamailio CPU {out['ratio_cpu_us_per_call_sipsmith_over_kamailio']}")
            print(f"summary calls per CPU second sipproxyd/kamailio: {ratio} (mean over {len(both)} "
                  f"common rates: {out['ratio_calls_per_cpu_s_mean_over_common_rates']}); goal >= "
                  f"{GOAL_CALLS_PER_CPU_S_RATIO}: {'met' if out['goal_met'] else 'NOT met'}")
        else:
            print("summary no rate was sustained by both servers")
        km = out["servers"]["kamailio"]["max_rate"]
        pm = out["servers"]["sipsmith"]["max_rate"]
        out["ratio_max_rate_sipsmith_over_kamailio"] = round(pm / km, 3) if km and pm else None
        print(f"summary max call rate ratio sipproxyd/kamailio: {out['ratio_max_rate_sipsmith_over_kamailio']}")
        if "kamailio" in mem and "sipsmith" in mem:
            kk, pk = mem["kamailio"]["kb_per_call_pss"], mem["sipsmith"]["kb_per_call_pss"]
            out["ratio_memory_per_call_sipsmith_over_kamailio"] = round(pk / kk, 2) if kk > 0 else None
            print(f"summary memory per active call sipproxyd/kamailio: "
                  f"{out['ratio_memory_per_call_sipsmith_over_kamailio']} ({pk} kB vs {kk} kB PSS; "
                  "Kamailio keeps no dialog state, its figure is tm's transactions and allocator growth)")
    for s, v in servers.items():
        if v["status"] != "ok":
            continue
        print(f"summary {s:9s} version {v['version']}, UDP receive buffer {v['udp_rcvbuf']} bytes, "
              f"{v['processes']} process(es); {v['note']}")
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()
