"""A tiny renderer for the subset of kustomize that deploy/k8s uses (fallback when no kubectl).

Supports: resources (files), namespace, labels (without selectors), configMapGenerator and
secretGenerator (files, literals) with generatorOptions.disableNameSuffixHash, images.
Anything else in kustomization.yaml is an error, so nothing is silently ignored.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {
    "apiVersion",
    "kind",
    "namespace",
    "labels",
    "resources",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "images",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def _generated(kind: str, spec: dict[str, Any], base: Path, options: dict[str, Any]) -> dict:
    if not options.get("disableNameSuffixHash"):
        raise ValueError("kustomize_lite only renders generators with disableNameSuffixHash")
    data: dict[str, str] = {}
    for entry in spec.get("files", []):
        key, _, source = entry.rpartition("=")
        path = base / (source or entry)
        data[key or path.name] = path.read_text()
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": spec["name"]}}
    if kind == "Secret":
        doc["type"] = spec.get("type", "Opaque")
        doc["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    else:
        doc["data"] = data
    return doc


def _set_images(node: Any, images: dict[str, dict[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                name, _, _tag = value.partition(":")
                if name in images:
                    new = images[name]
                    node[key] = f"{new.get('newName', name)}:{new.get('newTag', _tag or 'latest')}"
            else:
                _set_images(value, images)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, images)


def render(directory: Path) -> list[dict[str, Any]]:
    """The documents `kustomize build directory` would produce (for this subset)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise ValueError(f"kustomize_lite does not support: {sorted(unknown)}")
    docs: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        docs += [d for d in yaml.safe_load_all((directory / resource).read_text()) if d]
    options = kustomization.get("generatorOptions", {})
    for spec in kustomization.get("configMapGenerator", []):
        docs.append(_generated("ConfigMap", spec, directory, options))
    for spec in kustomization.get("secretGenerator", []):
        docs.append(_generated("Secret", spec, directory, options))
    namespace = kustomization.get("namespace")
    images = {i["name"]: i for i in kustomization.get("images", [])}
    for doc in docs:
        meta = doc.setdefault("metadata", {})
        if namespace and doc["kind"] not in CLUSTER_SCOPED:
            meta["namespace"] = namespace
        for label_set in kustomization.get("labels", []):
            if label_set.get("includeSelectors"):
                raise ValueError("kustomize_lite does not rewrite selectors")
            meta.setdefault("labels", {}).update(label_set.get("pairs", {}))
            if label_set.get("includeTemplates"):
                raise ValueError("kustomize_lite does not label templates")
        _set_images(doc, images)
    return docs
