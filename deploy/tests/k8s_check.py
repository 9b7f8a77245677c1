"""Consistency of deploy/k8s/*.yaml beyond the schemas: the shard count N agrees everywhere, the
merge reads exactly the N shard files, names and mounts match, every container has requests.
Prints one line per check ("ok ..." or "FAIL ...") and exits 1 if any failed."""
import re
import sys

import yaml

DIR = sys.argv[1]
docs = {}
for name in ("configmap", "pvc", "scan-job", "merge-job"):
    with open(f"{DIR}/{name}.yaml", encoding="utf-8") as f:
        docs[name] = yaml.safe_load(f)
failed = 0


def check(cond, what):
    global failed
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failed += 1


scan = docs["scan-job"]["spec"]
merge = docs["merge-job"]["spec"]
n = scan["completions"]
check(scan["completionMode"] == "Indexed", "scan Job is Indexed")
check(scan["parallelism"] == n, f"parallelism == completions == {n}")
pod = scan["template"]["spec"]
(c,) = pod["containers"]
args = c["args"]
check(f"--shard=$(SHARD_INDEX)/{n}" in args, f"--shard is $(SHARD_INDEX)/{n}")
out = f"/results/shard-$(SHARD_INDEX)-of-{n}.jsonl"
check(f"--output={out}" in args and f"--resume={out}" in args, "--output and --resume name the same shard file")
env = {e["name"]: e for e in c.get("env", [])}
check(
    env.get("SHARD_INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
    == "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    "SHARD_INDEX comes from the job-completion-index annotation",
)
check(pod["restartPolicy"] == "Never", "restartPolicy Never (needed by podFailurePolicy)")
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
check(vols[mounts["/config"]]["configMap"]["name"] == docs["configmap"]["metadata"]["name"], "/config is the ConfigMap")
check(
    vols[mounts["/results"]]["persistentVolumeClaim"]["claimName"] == docs["pvc"]["metadata"]["name"],
    "/results is the PVC",
)
for key in ("targets.txt", "exclude.txt"):
    check(key in docs["configmap"]["data"], f"ConfigMap has {key}")
check(
    "--targets-file=/config/targets.txt" in args and "--exclude-file=/config/exclude.txt" in args,
    "scan reads targets and exclusions from /config",
)
check("ReadWriteMany" in docs["pvc"]["spec"]["accessModes"], "PVC is ReadWriteMany (pods on many nodes)")

mpod = merge["template"]["spec"]
want = [f"/results/shard-{i}-of-{n}.jsonl" for i in range(n)]
images = {c["image"]}
for mc in mpod.get("initContainers", []) + mpod["containers"]:
    images.add(mc["image"])
    files = [a for a in mc["args"] if a.startswith("/results/shard-")]
    check(mc["args"][0] == "report" and files == want, f"merge {mc['name']} reads exactly the {n} shard files")
    check(any(m["mountPath"] == "/results" for m in mc["volumeMounts"]), f"merge {mc['name']} mounts /results")
check(
    mpod["volumes"][0]["persistentVolumeClaim"]["claimName"] == docs["pvc"]["metadata"]["name"],
    "merge uses the same PVC",
)
check(len(images) == 1, f"one image everywhere ({', '.join(sorted(images))})")
for name, p in (("scan", pod), ("merge", mpod)):
    for cc in p.get("initContainers", []) + p["containers"]:
        req = cc.get("resources", {}).get("requests", {})
        check("cpu" in req and "memory" in req, f"{name} {cc['name']} requests cpu and memory")
        check(re.fullmatch(r"\d+Mi|\d+Gi", cc["resources"]["limits"]["memory"]) is not None, f"{name} {cc['name']} has a memory limit")
print(f"k8s_check: {failed} failed")
sys.exit(1 if failed else 0)
