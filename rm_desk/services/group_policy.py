"""Group Policy: the machine policy as Windows domains deploy it, as Chrome, Edge and
Firefox take theirs.

IT sets values under `HKLM\\Software\\Policies\\RM Desk` with the ADMX templates this
module generates (`installer/windows/policy/`); RM Desk reads them at start-up and they
win over `policy.json`, which wins over the defaults (`config.load_effective_policy`).
Each policy key is one registry value of the same name: true/false and whole numbers
as REG_DWORD, text and choices as REG_SZ, and the `masking` object as REG_SZ holding
its JSON (the way Chrome's ADMX carries dictionary policies).

The registry itself is the boundary (`read_registry`, Windows only); turning its
values into policy values (`from_registry`) and writing the templates are plain code,
tested on every platform.

    python -m rm_desk.services.group_policy --write   # regenerate the templates and docs
"""

from __future__ import annotations

import importlib
import json
import sys
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from pydantic.fields import FieldInfo

from rm_desk.domain.policy import KeyringMode, Policy, PolicyError

PLATFORM: str = sys.platform  # a plain str: the checks below are not narrowed away by mypy
REGISTRY_KEY: Final = r"Software\Policies\RM Desk"
WHERE: Final = rf"Group Policy (HKLM\{REGISTRY_KEY})"
NAMESPACE: Final = "RMDesk.Policies.RMDesk"
PREFIX: Final = "rmdesk"

# winreg's value types (the constants, so that the conversion runs on every platform).
REG_SZ: Final = 1
REG_EXPAND_SZ: Final = 2
REG_DWORD: Final = 4

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "installer" / "windows" / "policy"
POLICY_DOC = ROOT / "docs" / "policy.md"


@dataclass(frozen=True, slots=True)
class Words:
    """A key's name and explanation for IT, in English and in Chinese."""

    en: str
    zh: str
    zh_explain: str


# The Chinese for the Group Policy editor (the English explanation is the model's own
# description). tests/unit/services/test_group_policy.py fails when a key lacks words.
WORDS: Final[dict[str, Words]] = {
    "server_url": Words(
        "Central CRM gateway address", "中心CRM网关地址", "中心CRM同步网关的地址（https://…）。"
    ),
    "ca_bundle": Words(
        "CA bundle for the gateway",
        "网关证书的CA证书包",
        "可为网关证书签名的CA证书（PEM文件）；默认使用系统的CA证书。",
    ),
    "spki_pin_sha256": Words(
        "Gateway public-key pin",
        "网关公钥固定值",
        "网关证书公钥（SubjectPublicKeyInfo）的SHA-256摘要，Base64编码；每次新建连接时校验。",
    ),
    "allow_insecure_http": Words(
        "Allow plain HTTP to another computer",
        "允许以明文HTTP连接其他计算机",
        "允许使用不在本机的http://网关地址（密码和客户数据将以未加密方式在网络上传输）。",
    ),
    "shared_terminal": Words(
        "Shared terminal", "共用终端", "多人共用的计算机：空闲锁定更早（最多5分钟）。"
    ),
    "idle_lock_minutes": Words(
        "Idle lock (minutes)",
        "空闲锁定（分钟）",
        "无键盘鼠标操作多少分钟后锁定窗口"
        "（默认及上限：共用终端5分钟，其他15分钟；PCI DSS 8.2.8）。",
    ),
    "max_password_attempts": Words(
        "Wrong passwords before lockout",
        "锁定前允许的密码错误次数",
        "连续输错多少次密码后锁定该用户资料（PCI DSS 8.3.4：最多10次）。",
    ),
    "lockout_minutes": Words(
        "Lockout length (minutes)",
        "锁定时长（分钟）",
        "锁定持续的分钟数（PCI DSS 8.3.4：至少30分钟）。",
    ),
    "keyring": Words(
        "Operating-system credential store",
        "操作系统凭据存储",
        "require：没有安全的系统凭据存储时拒绝创建资料；prefer：有则使用；off：仅用密码。",
    ),
    "masking": Words(
        "Masking of personal data",
        "个人数据脱敏规则",
        "按数据类别设定脱敏方式的JSON对象，每类为[保留开头位数, 保留末尾位数]或"
        "[保留开头位数, 保留末尾位数, 掩码字符]。",
    ),
    "sync_interval_seconds": Words(
        "Background sync interval (seconds)", "后台同步间隔（秒）", "两次后台同步之间的秒数。"
    ),
    "max_offline_hours": Words(
        "Offline lease (hours)",
        "离线期限（小时）",
        "与网关无联网联系（最近一次登录或同步）的情况下，资料可解锁的小时数；超过后须联网登录。",
    ),
    "memory_security": Words(
        "SQLCipher memory security",
        "SQLCipher内存安全",
        "SQLCipher的cipher_memory_security，默认关闭（与SQLCipher 4.5.0起的默认一致）；"
        "开启后擦除SQLite释放的内存（全进程生效，会降低速度）。",
    ),
    "lock_on_os_lock": Words(
        "Lock with the operating system",
        "随操作系统一起锁定",
        "操作系统锁屏、休眠或切换用户时同时锁定RM Desk（共用终端上始终开启）。",
    ),
}

_ENUM_WORDS: Final[dict[str, tuple[str, str]]] = {
    KeyringMode.REQUIRE: ("require: refuse without a secure store", "require：必须使用安全存储"),
    KeyringMode.PREFER: ("prefer: use one when present", "prefer：有则使用"),
    KeyringMode.OFF: ("off: password only", "off：仅用密码"),
}


# --- reading ----------------------------------------------------------------------------


def _kind(field: FieldInfo) -> type:
    """bool, int, str, KeyringMode or dict (the masking object) for a policy field."""
    annotation = field.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if annotation in (bool, int, KeyringMode):
        return typing.cast(type, annotation)
    if annotation is str:
        return str
    return dict


def fields() -> Iterator[tuple[str, FieldInfo, type]]:
    for name, field in Policy.model_fields.items():
        yield name, field, _kind(field)


def from_registry(values: Mapping[str, tuple[object, int]]) -> dict[str, Any]:
    """Policy values from registry values (name: (data, type)); PolicyError naming the
    value when one has the wrong type or cannot be read. Unknown names are errors, as
    unknown keys in policy.json are."""
    known = {name: kind for name, _field, kind in fields()}
    out: dict[str, Any] = {}
    for name, (data, reg_type) in sorted(values.items()):
        where = f"{WHERE}\\{name}"
        kind = known.get(name)
        if kind is None:
            raise PolicyError(f"{where}: unknown policy key")
        if kind in (bool, int):
            if reg_type != REG_DWORD or not isinstance(data, int):
                raise PolicyError(f"{where}: must be a REG_DWORD")
            out[name] = bool(data) if kind is bool else data
            if kind is bool and data not in (0, 1):
                raise PolicyError(f"{where}: must be 0 or 1")
        elif reg_type not in (REG_SZ, REG_EXPAND_SZ) or not isinstance(data, str):
            raise PolicyError(f"{where}: must be a REG_SZ string")
        elif kind is dict:
            try:
                out[name] = json.loads(data)
            except json.JSONDecodeError:
                raise PolicyError(f"{where}: must hold a JSON object") from None
        else:
            out[name] = data
    return out


def read_registry() -> dict[str, tuple[object, int]]:  # pragma: no cover - Windows only
    """The values under HKLM\\Software\\Policies\\RM Desk (none off Windows or when the
    key does not exist)."""
    if PLATFORM != "win32":
        return {}
    return _windows_registry()


def _windows_registry() -> dict[str, tuple[object, int]]:  # pragma: no cover - Windows only
    winreg: Any = importlib.import_module("winreg")  # typed for every platform

    try:
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY)
    except FileNotFoundError:
        return {}
    values: dict[str, tuple[object, int]] = {}
    with key:
        index = 0
        while True:
            try:
                name, data, reg_type = winreg.EnumValue(key, index)
            except OSError:
                break
            values[name] = (data, reg_type)
            index += 1
    return values


# --- the templates --------------------------------------------------------------------


def _bounds(field: FieldInfo) -> tuple[int, int]:
    low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    high = next(m.le for m in field.metadata if hasattr(m, "le"))
    return int(low), int(high)


def admx() -> str:
    """The ADMX template: one machine policy per policy key, in one category."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" '
        'schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
        "  <policyNamespaces>",
        f'    <target prefix="{PREFIX}" namespace="{NAMESPACE}"/>',
        '    <using prefix="windows" namespace="Microsoft.Policies.Windows"/>',
        "  </policyNamespaces>",
        '  <resources minRequiredRevision="1.0"/>',
        "  <supportedOn>",
        "    <definitions>",
        '      <definition name="SUPPORTED_RMDESK_1" displayName="$(string.SUPPORTED_RMDESK_1)"/>',
        "    </definitions>",
        "  </supportedOn>",
        "  <categories>",
        '    <category name="rmdesk" displayName="$(string.rmdesk)"/>',
        "  </categories>",
        "  <policies>",
    ]
    for name, field, kind in fields():
        head = (
            f'    <policy name="{name}" class="Machine" displayName="$(string.{name})" '
            f'explainText="$(string.{name}_Explain)" key={quoteattr(REGISTRY_KEY)}'
        )
        body = [
            '      <parentCategory ref="rmdesk"/>',
            '      <supportedOn ref="SUPPORTED_RMDESK_1"/>',
        ]
        if kind is bool:
            out.append(f'{head} valueName="{name}">')
            body += [
                '      <enabledValue><decimal value="1"/></enabledValue>',
                '      <disabledValue><decimal value="0"/></disabledValue>',
            ]
        else:
            out.append(f'{head} presentation="$(presentation.{name})">')
            body.append("      <elements>")
            if kind is int:
                low, high = _bounds(field)
                body.append(
                    f'        <decimal id="{name}" valueName="{name}" minValue="{low}" '
                    f'maxValue="{high}" required="true"/>'
                )
            elif kind is KeyringMode:
                body.append(f'        <enum id="{name}" valueName="{name}" required="true">')
                for mode in KeyringMode:
                    body.append(
                        f'          <item displayName="$(string.{name}_{mode.value})">'
                        f"<value><string>{mode.value}</string></value></item>"
                    )
                body.append("        </enum>")
            else:
                body.append(f'        <text id="{name}" valueName="{name}" required="true"/>')
            body.append("      </elements>")
        out += [*body, "    </policy>"]
    out += ["  </policies>", "</policyDefinitions>", ""]
    return "\n".join(out)


def _default_text(field: FieldInfo) -> str:
    default = field.default
    if default is None or isinstance(default, (dict, list)) or hasattr(default, "model_dump"):
        return ""
    if isinstance(default, bool):
        return ""
    return str(default.value if isinstance(default, KeyringMode) else default)


def adml(language: str) -> str:
    """The ADML resources for `language` ("en-US" or "zh-CN")."""
    chinese = language == "zh-CN"
    strings = {
        "rmdesk": "RM Desk",
        "SUPPORTED_RMDESK_1": "RM Desk 1.0 及以上版本" if chinese else "RM Desk 1.0 and later",
    }
    presentations = []
    for name, field, kind in fields():
        words = WORDS[name]
        strings[name] = words.zh if chinese else words.en
        explain = words.zh_explain if chinese else (field.description or words.en)
        if kind is dict:
            example = '{"mobile": [3, 4], "id_number": [3, 4, "#"]}'
            explain += ("示例：" if chinese else " Example: ") + example
        strings[f"{name}_Explain"] = explain
        label = escape(words.zh if chinese else words.en)
        if kind is int:
            default = _default_text(field)
            attr = f' defaultValue="{default}"' if default else ""
            presentations.append(
                f'      <presentation id="{name}"><decimalTextBox refId="{name}"{attr}>'
                f"{label}</decimalTextBox></presentation>"
            )
        elif kind is KeyringMode:
            for mode in KeyringMode:
                en, zh = _ENUM_WORDS[mode]
                strings[f"{name}_{mode.value}"] = zh if chinese else en
            presentations.append(
                f'      <presentation id="{name}"><dropdownList refId="{name}" noSort="true" '
                f'defaultItem="1">{label}</dropdownList></presentation>'
            )
        elif kind is not bool:
            presentations.append(
                f'      <presentation id="{name}"><textBox refId="{name}">'
                f"<label>{label}</label></textBox></presentation>"
            )
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" '
        'schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
        f"  <displayName>{'RM Desk 策略' if chinese else 'RM Desk policies'}</displayName>",
        f"  <description>{'RM Desk 的计算机策略' if chinese else 'Machine policies of RM Desk'}"
        "</description>",
        "  <resources>",
        "    <stringTable>",
        *(f'      <string id="{key}">{escape(text)}</string>' for key, text in strings.items()),
        "    </stringTable>",
        "    <presentationTable>",
        *presentations,
        "    </presentationTable>",
        "  </resources>",
        "</policyDefinitionResources>",
        "",
    ]
    return "\n".join(out)


def markdown() -> str:
    """docs/policy.md: every key, its type, default and meaning, from the model."""
    lines = [
        "# Machine policy",
        "",
        "Generated from `rm_desk/domain/policy.py` by "
        "`python -m rm_desk.services.group_policy --write`; do not edit.",
        "",
        "Where a value comes from, strongest first: Group Policy "
        f"(`HKLM\\{REGISTRY_KEY}`, Windows; templates in `installer/windows/policy/`), the "
        "policy file (`/etc/rm-desk/policy.json` on Linux, "
        "`%ProgramData%\\RM Desk\\policy.json` on Windows, or the file `RM_DESK_POLICY` "
        "names), then the default. `rm-desk policy show` prints the effective policy and "
        "where each value came from. A bad value in any source stops RM Desk with one line "
        "naming the source, the key and the expected form. The file's JSON Schema is "
        "`docs/policy.schema.json`.",
        "",
    ]
    return "\n".join([*lines, *key_table()]) + "\n"


def key_table() -> list[str]:
    """The table of every policy key (docs/policy.md and installer/README.md)."""
    lines = [
        "| key | type (registry) | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field, kind in fields():
        if kind is bool:
            shape = "true/false (REG_DWORD 0/1)"
        elif kind is int:
            low, high = _bounds(field)
            shape = f"whole number {low}–{high} (REG_DWORD)"
        elif kind is KeyringMode:
            shape = " / ".join(m.value for m in KeyringMode) + " (REG_SZ)"
        elif kind is dict:
            shape = "object (REG_SZ holding JSON)"
        else:
            shape = "text (REG_SZ)"
        default = field.default
        if hasattr(default, "model_dump"):
            shown = "`" + json.dumps(default.model_dump(mode="json"), separators=(",", ":")) + "`"
        elif default is None:
            shown = "none"
        else:
            value = default.value if isinstance(default, KeyringMode) else default
            shown = f"`{json.dumps(value)}`"
        meaning = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {shape} | {shown} | {meaning} |")
    return lines


INSTALLER_README = ROOT / "installer" / "README.md"
TABLE_BEGIN = "<!-- policy keys: generated by python -m rm_desk.services.group_policy --write -->"
TABLE_END = "<!-- end of policy keys -->"


def installer_readme() -> str:
    """installer/README.md with its table of policy keys regenerated from the model."""
    text = INSTALLER_README.read_text(encoding="utf-8")
    head, found, rest = text.partition(TABLE_BEGIN)
    _old, ended, tail = rest.partition(TABLE_END)
    if not (found and ended):
        raise ValueError(f"{INSTALLER_README}: the policy-key markers are missing")
    return head + TABLE_BEGIN + "\n" + "\n".join(key_table()) + "\n" + TABLE_END + tail


def generated() -> dict[Path, str]:
    """Every generated file and its text."""
    return {
        TEMPLATES / "rm-desk.admx": admx(),
        TEMPLATES / "en-US" / "rm-desk.adml": adml("en-US"),
        TEMPLATES / "zh-CN" / "rm-desk.adml": adml("zh-CN"),
        POLICY_DOC: markdown(),
        INSTALLER_README: installer_readme(),
    }


if __name__ == "__main__":  # pragma: no cover - IT's command; the drift test checks it
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m rm_desk.services.group_policy --write")
    for path, text in generated().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
