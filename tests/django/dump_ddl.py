#!/usr/bin/env python3
"""Dump the DDL Django's SQLite backend creates for modelgen's schemas.

Every schemas/*.yaml (the example schemas) and tests/django/schemas/*.yaml
(extra schemas that only exist to cover more of the schema language) is turned
into real Django models, built dynamically: one app config per schema `app`,
one model class per schema model (`type()`), Python inheritance for `extends`.
For each app, the SQL Django's schema editor would run to create that app's
tables is collected and written to tests/django/<app>.sql, one statement per
line, exactly as Django emitted it (trailing whitespace stripped).

    pip install django pyyaml pillow && python tests/django/dump_ddl.py

The Rust test tests/django_ddl.rs compares modelgen's DDL with these files, so
CI needs no Django. Django 6.x needs Python >= 3.12.
"""

import datetime
import decimal
import os
import sys
import tempfile
import types
import re
import uuid
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCHEMA_DIRS = [ROOT / "schemas", HERE / "schemas"]

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# --------------------------------------------------------------------------
# Schemas


class SchemaLoader(yaml.SafeLoader):
    """YAML as modelgen reads it: mapping keys are always strings (PyYAML's
    YAML 1.1 would read the key `null` as None), and only true/false are
    booleans (not yes/no/on/off)."""

    def construct_mapping(self, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else self.construct_object(key_node, deep=deep)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


SchemaLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_schemas():
    """[(path, document)] for every schema file, sorted per directory."""
    out = []
    for directory in SCHEMA_DIRS:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in (".yaml", ".yml"):
                with open(path, encoding="utf-8") as f:
                    out.append((path, yaml.load(f, Loader=SchemaLoader)))
    return out


SCHEMAS = load_schemas()
APP_LABELS = []
for _path, _doc in SCHEMAS:
    if _doc["app"] not in APP_LABELS:
        APP_LABELS.append(_doc["app"])

# --------------------------------------------------------------------------
# One importable package per app, with its AppConfig, so INSTALLED_APPS can
# name it. Models are registered after django.setup(), straight into the
# app registry.

PACKAGE = "modelgen_django_ref"
APP_DIR = tempfile.mkdtemp(prefix="modelgen-django-")
sys.modules[PACKAGE] = types.ModuleType(PACKAGE)
sys.modules[PACKAGE].__path__ = [APP_DIR]

from django.apps import AppConfig  # noqa: E402

app_config_paths = []
for label in APP_LABELS:
    module_name = f"{PACKAGE}.{label}"
    module = types.ModuleType(module_name)
    module.__path__ = [APP_DIR]
    module.__file__ = os.path.join(APP_DIR, "__init__.py")
    config = type(
        f"{label.title().replace('_', '')}Config",
        (AppConfig,),
        {"name": module_name, "label": label, "path": APP_DIR, "__module__": module_name},
    )
    module.ModelgenConfig = config
    sys.modules[module_name] = module
    app_config_paths.append(f"{module_name}.ModelgenConfig")

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=app_config_paths,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    USE_TZ=True,
)
django.setup()

from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

# --------------------------------------------------------------------------
# Schema -> Django fields

ON_DELETE = {
    "CASCADE": models.CASCADE,
    "PROTECT": models.PROTECT,
    "RESTRICT": models.RESTRICT,
    "SET_NULL": models.SET_NULL,
    "SET_DEFAULT": models.SET_DEFAULT,
    "DO_NOTHING": models.DO_NOTHING,
}

SPECIAL_DEFAULTS = {
    "uuid4": uuid.uuid4,
    "now": timezone.now,
    "today": datetime.date.today,
}

# Options passed to the Django field constructor as they are.
PLAIN_OPTIONS = [
    "max_length",
    "max_digits",
    "decimal_places",
    "null",
    "blank",
    "unique",
    "primary_key",
    "db_column",
    "db_index",
    "editable",
    "auto_now",
    "auto_now_add",
    "help_text",
    "verbose_name",
    "related_name",
    "symmetrical",
    "db_constraint",
    "upload_to",
    "width_field",
    "height_field",
    "to_field",
]


def model_ref(app, text):
    """`Model`, `app.Model` or `self` as a lazy Django reference."""
    if text == "self" or "." in text:
        return text
    return f"{app}.{text}"


def convert_default(spec, value):
    if isinstance(value, str) and value in SPECIAL_DEFAULTS:
        return SPECIAL_DEFAULTS[value]
    if spec["type"] == "DecimalField" and isinstance(value, (str, int, float)):
        return decimal.Decimal(str(value))
    return value


def convert_db_default(spec, value):
    """`Now()` as Django's expression; a literal as the field's Python value."""
    from django.db.models.functions import Now

    if value == "Now()":
        return Now()
    if spec["type"] == "DecimalField":
        return decimal.Decimal(str(value))
    if spec["type"] == "DateField" and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


def make_field(app, name, spec):
    kind = spec["type"]
    cls = getattr(models, kind)
    kwargs = {}
    args = []
    for option in PLAIN_OPTIONS:
        if option in spec:
            kwargs[option] = spec[option]
    if "default" in spec:
        kwargs["default"] = convert_default(spec, spec["default"])
    if "db_default" in spec:
        kwargs["db_default"] = convert_db_default(spec, spec["db_default"])
    if "choices" in spec:
        kwargs["choices"] = [tuple(pair) for pair in spec["choices"]]
    if kind in ("ForeignKey", "OneToOneField", "ManyToManyField"):
        args.append(model_ref(app, spec["to"]))
    if kind in ("ForeignKey", "OneToOneField"):
        kwargs["on_delete"] = ON_DELETE[spec.get("on_delete", "CASCADE")]
    if kind == "ManyToManyField":
        if "through" in spec:
            kwargs["through"] = model_ref(app, spec["through"])
        # Options Django's ManyToManyField has no use for (and warns about).
        for option in ("null", "db_index", "db_column", "unique", "primary_key"):
            kwargs.pop(option, None)
    return cls(*args, **kwargs)


def make_constraint(spec):
    """A `meta.constraints` entry: its condition mapping is `Q(**mapping)`."""
    condition = spec.get("condition", spec.get("check"))
    q = models.Q(**condition) if condition is not None else None
    if spec["type"] == "UniqueConstraint":
        kwargs = {"fields": spec["fields"], "name": spec["name"]}
        if q is not None:
            kwargs["condition"] = q
        return models.UniqueConstraint(**kwargs)
    # `condition` is CheckConstraint's name since Django 5.1 (`check` before).
    return models.CheckConstraint(condition=q, name=spec["name"])


# --------------------------------------------------------------------------
# Schema -> Django models


def build_models():
    """Create every model class; return {app: [concrete models in file order]}."""
    defs = {}  # (app, name) -> (spec, index in file)
    order = []
    for _path, doc in SCHEMAS:
        app = doc["app"]
        for name, spec in (doc.get("models") or {}).items():
            defs[(app, name)] = spec or {}
            order.append((app, name))

    def parent_key(key):
        extends = defs[key].get("extends")
        if not extends:
            return None
        if "." in extends:
            parent_app, parent_name = extends.split(".", 1)
            return (parent_app, parent_name)
        return (key[0], extends)

    def is_abstract(key):
        return bool((defs[key].get("meta") or {}).get("abstract"))

    def inherited_meta(key, option):
        """Meta options are inherited from abstract bases (`class Meta(Base.Meta)`)."""
        while key is not None:
            meta = defs[key].get("meta") or {}
            if option in meta:
                return meta[option]
            parent = parent_key(key)
            key = parent if parent is not None and is_abstract(parent) else None
        return None

    classes = {}

    def build(key):
        if key in classes:
            return classes[key]
        app, name = key
        spec = defs[key]
        parent = parent_key(key)
        bases = (build(parent),) if parent is not None else (models.Model,)
        meta = spec.get("meta") or {}

        attrs = {"__module__": f"{PACKAGE}.{app}.models"}
        # The app's default auto field, unless this model declares a primary
        # key or gets one from a concrete parent.
        fields = spec.get("fields") or {}
        concrete_parent = parent is not None and not is_abstract(parent)
        declares_pk = any((f or {}).get("primary_key") for f in fields.values())
        auto_field = inherited_meta(key, "default_auto_field")
        if auto_field and not meta.get("abstract") and not concrete_parent and not declares_pk:
            inherited_pk = False
            k = parent
            while k is not None:
                if any((f or {}).get("primary_key") for f in (defs[k].get("fields") or {}).values()):
                    inherited_pk = True
                k = parent_key(k)
            if not inherited_pk:
                # auto_created, as Django's own: it sorts before every field.
                attrs["id"] = getattr(models, auto_field)(primary_key=True, auto_created=True, verbose_name="ID")
        for field_name, field_spec in fields.items():
            attrs[field_name] = make_field(app, field_name, field_spec)

        meta_attrs = {"app_label": app}
        if meta.get("abstract"):
            meta_attrs["abstract"] = True
        if "db_table" in meta:
            meta_attrs["db_table"] = meta["db_table"]
        for option in ("ordering", "get_latest_by", "verbose_name", "verbose_name_plural"):
            if option in meta:
                meta_attrs[option] = meta[option]
        if "unique_together" in meta:
            groups = meta["unique_together"]
            if groups and all(isinstance(g, str) for g in groups):
                groups = [groups]
            meta_attrs["unique_together"] = [tuple(g) for g in groups]
        if "indexes" in meta:
            meta_attrs["indexes"] = [
                models.Index(fields=index["fields"], name=index.get("name")) if index.get("name")
                else models.Index(fields=index["fields"])
                for index in meta["indexes"]
            ]
        if "constraints" in meta:
            meta_attrs["constraints"] = [make_constraint(c) for c in meta["constraints"]]
        meta_bases = ()
        if parent is not None and is_abstract(parent):
            meta_bases = (classes[parent].Meta,)
        attrs["Meta"] = type("Meta", meta_bases, meta_attrs)
        cls = type(name, bases, attrs)
        classes[key] = cls
        return cls

    for key in order:
        build(key)

    per_app = {}
    for key in order:
        if not is_abstract(key):
            per_app.setdefault(key[0], []).append(classes[key])
    return per_app


def dependency_order(app_models):
    """Models so that each comes after the same-app models its foreign keys
    (and parent links) point at; ties and cycles keep file order. The same
    rule modelgen uses, so the scripts can be compared in order too."""
    remaining = list(app_models)
    ordered = []

    def targets(model):
        return [
            f.remote_field.model
            for f in model._meta.local_fields
            if f.remote_field is not None
        ]

    while remaining:
        ready = 0
        for i, model in enumerate(remaining):
            if all(t is model or t in ordered or t not in remaining for t in targets(model)):
                ready = i
                break
        ordered.append(remaining.pop(ready))
    return ordered


def main():
    per_app = build_models()
    # The models must be ones Django accepts (reverse accessor clashes,
    # through models, ...), or the reference would mean nothing.
    from django.core import checks

    errors = [m for m in checks.run_checks(include_deployment_checks=False) if m.is_serious()]
    if errors:
        raise SystemExit("Django rejects the models:\n" + "\n".join(str(e) for e in errors))
    out_dir = HERE
    for app in APP_LABELS:
        app_models = per_app.get(app, [])
        with connection.schema_editor(collect_sql=True) as editor:
            for model in dependency_order(app_models):
                editor.create_model(model)
        lines = [statement.rstrip() for statement in editor.collected_sql]
        target = out_dir / f"{app}.sql"
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                if "\n" in line:
                    raise SystemExit(f"{app}: a statement spans lines: {line!r}")
                f.write(line + "\n")
        print(f"wrote {target.relative_to(ROOT)} ({len(lines)} statements, Django {django.get_version()})")


if __name__ == "__main__":
    main()
