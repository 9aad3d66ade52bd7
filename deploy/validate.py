#!/usr/bin/env python3
"""Checks deploy/: Kubernetes manifests against the API schemas (kubernetes-validate, strict),
the kustomization's resource list, and the Prometheus rules: shape, metric names that exist in
src/, and runbook anchors that exist in docs/operations.md. Exit 1 on any problem."""
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
problems = []

manifests = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
result = subprocess.run(
    ["kubernetes-validate", "--strict", "--quiet", *map(str, manifests)],
    capture_output=True, text=True,
)
if result.returncode != 0:
    problems.append("kubernetes-validate:\n" + result.stdout + result.stderr)

kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
listed = set(kustomization.get("resources", []))
for name in listed:
    if not (K8S / name).exists():
        problems.append(f"kustomization.yaml lists missing {name}")
for path in manifests:
    if path.name not in listed and path.name != "secret.example.yaml":
        problems.append(f"{path.name} is not in kustomization.yaml")

# Metric names are string literals wherever a metric is recorded, anywhere under src/.
known = set()
for source in (ROOT / "src").rglob("*.rs"):
    known |= set(re.findall(r'"(herald_[a-z0-9_]+)"', source.read_text()))
operations = (ROOT / "docs" / "operations.md").read_text()
anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', operations))
rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
count = 0
for group in rules["groups"]:
    for rule in group["rules"]:
        count += 1
        name = rule.get("alert", "?")
        for key in ("alert", "expr", "labels", "annotations"):
            if key not in rule:
                problems.append(f"rule {name}: no {key}")
        if rule.get("labels", {}).get("severity") not in ("critical", "warning"):
            problems.append(f"rule {name}: severity must be critical or warning")
        for metric in re.findall(r"herald_[a-z0-9_]+", rule.get("expr", "")):
            base = re.sub(r"_(bucket|count|sum)$", "", metric)
            if base not in known:
                problems.append(f"rule {name}: {metric} is not a metric Herald exports")
        runbook = rule.get("annotations", {}).get("runbook_url", "")
        anchor = runbook.split("#")[-1]
        if anchor not in anchors:
            problems.append(f"rule {name}: runbook anchor #{anchor} missing in docs/operations.md")
if count == 0:
    problems.append("no alert rules")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"deploy: {len(manifests)} manifests and {count} alert rules valid")
