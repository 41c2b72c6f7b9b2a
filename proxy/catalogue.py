"""The AI-tool catalogue: which hosts are AI tools, and with what status.

A host that matches no tool is not an AI tool: its TLS is passed through untouched.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from enum import StrEnum
from typing import Annotated
from urllib.parse import unquote

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from proxy.transport.metadata import (
    CookieNamePattern,
    EntityType,
    HeaderName,
    IssuerGlob,
    RequestMetadataSettings,
)
from proxy.transport.paths import matches_paths
from proxy.transport.routing import RoutingCheck, matches_glob
from proxy.transport.vocabulary import routing_vocabulary

_HOST_PATTERN = re.compile(
    r"^(\*\.|\*-)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
)
#: A whole-label wildcard after the first label, followed by at least two labels
#: (bedrock-runtime.*.amazonaws.com: any region); never a.*.com.
_MIDDLE_WILDCARD = re.compile(r"^([a-z0-9-]+\.)+\*(\.[a-z0-9-]+){2,}$")


class ToolStatus(StrEnum):
    """``approved``: department-hosted; ``online``: allowed and scanned; ``blocked``: refused."""

    APPROVED = "approved"
    ONLINE = "online"
    BLOCKED = "blocked"


def _check_host_pattern(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if not (
        _HOST_PATTERN.fullmatch(value)
        or (
            _MIDDLE_WILDCARD.fullmatch(value)
            and _HOST_PATTERN.fullmatch(value.replace(".*.", ".x."))
        )
    ):
        raise ValueError(
            f"{value!r} is not a host pattern: use an exact host (api.openai.com), a leading "
            "wildcard (*.deepseek.com, *-aiplatform.googleapis.com) or a wildcard label "
            "(bedrock-runtime.*.amazonaws.com); no scheme, port or path"
        )
    return value


HostPattern = Annotated[str, AfterValidator(_check_host_pattern)]


def _check_network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IP network: use CIDR notation (192.0.2.0/24, 2001:db8::/32) "
            "or a single address"
        ) from None


Network = Annotated[str, AfterValidator(_check_network)]

#: Headers every provider uses for its own API key: excepted from the credentials check only.
DEFAULT_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key")


class UnnamedDestinations(StrEnum):
    """What to do with a TLS connection that names no host: an explicit CONNECT to an IP
    literal (the SNI cannot vouch for an arbitrary address), or in transparent modes a
    ClientHello with no SNI."""

    INTERCEPT = "intercept"  # decrypt, then classify each request by Host / :authority
    REFUSE = "refuse"  # refuse at the ClientHello, recorded as ai.tool.blocked


class BlockedToolPage(StrEnum):
    """Which CONNECTs to a blocked tool are answered with the block page over TLS (made with
    the proxy's own CA; the blocked host is never connected to) instead of a 403 refusal.
    See :mod:`proxy.addons.blocked_tool_page`."""

    BROWSERS = "browsers"  # a CONNECT whose User-Agent is a web browser's (Mozilla/...)
    ALL = "all"  # every CONNECT: each request in the tunnel gets the block response
    NONE = "none"  # every CONNECT is refused with 403 (browsers show a tunnel error)


class UnknownModels(StrEnum):
    """What to do with a request to a tool whose model name does not say which model serves
    it (the tool's ``opaque_models`` / ``opaque_paths``: an OpenRouter preset, an Azure
    deployment the tenant named): a blocked model (DeepSeek) could be behind it."""

    REFUSE = "refuse"  # refused like a blocked model (default; reason unknown_model)
    ALLOW = "allow"  # scanned as usual: a DeepSeek model behind such a name is not seen


class OtherTls(StrEnum):
    """What to do with a TLS connection whose names (CONNECT host, SNI, address) are all
    non-AI hosts."""

    PASSTHROUGH = "passthrough"  # never decrypted (default: see README, "Domain fronting")
    INTERCEPT = "intercept"  # decrypted; each request classified by its Host / :authority


ToolId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,62}$")]
#: A model-family marker: a substring of the model names (``deepseek``, ``mai-ds-r1``).
ModelMarker = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9._:/@-]{2,63}$"
    ),
]
#: A glob over URL paths (``/duckchat/*``), matched in every form a server reads the path.
PathGlob = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[/*][^\s?#]{0,199}$")
]
#: A glob over a model name or ``field=value`` (``@preset/*``, ``preset=*``) or a URL path.
NameGlob = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=200)
]


#: A JSON / form key (``version``).
RoutingKey = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
]


class Tool(BaseModel):
    """One AI tool: an id, a display name, host patterns and a status."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ToolId
    name: str = Field(min_length=1)
    hosts: list[HostPattern] = Field(min_length=1)
    status: ToolStatus = ToolStatus.ONLINE
    networks: list[Network] = Field(
        default_factory=list,
        description="IP ranges the tool is served from (CIDR). A CONNECT, transparent "
        "destination or Host naming an address in one is treated as this tool.",
    )
    credential_entities: list[EntityType] = Field(
        default_factory=list,
        description="Credential entity types of the provider's own keys (e.g. OPENAI_API_KEY; "
        "Bedrock's SigV4 AWS_ACCESS_KEY): they do not count in this tool's credential "
        "headers, and count everywhere else (a custom header, a cookie, the path).",
    )
    credential_headers: list[HeaderName] = Field(
        default_factory=lambda: list(DEFAULT_CREDENTIAL_HEADERS),
        description="Headers carrying the provider's own API credential: only the tool's "
        "credential_entities and generic bearer shapes "
        "(request_metadata.credential_header_entities) do not count there.",
    )
    own_credentials_only: bool = Field(
        default=False,
        description="In this tool's credential headers only its own key shape is exempt: a "
        "finding of its credential_entities, a generic bearer shape on that key, or a JWT "
        "whose `iss` matches credential_jwt_issuers. An internal JWT, a password or another "
        "generic secret there counts (red team RT-63). For tools whose keys have a typed "
        "shape (OpenAI sk-..., Anthropic sk-ant-...).",
    )
    credential_jwt_issuers: list[IssuerGlob] = Field(
        default_factory=list,
        description="Globs of the `iss` of the JWTs the tool itself issues for its credential "
        "headers (ChatGPT web's access token: https://auth.openai.com...).",
    )
    session_headers: list[HeaderName] = Field(
        default_factory=list,
        description="Headers of the tool's web app carrying its session and anti-bot tokens: "
        "generic session tokens (request_metadata.session_entities) do not count there.",
    )
    session_cookies: list[CookieNamePattern] = Field(
        default_factory=list,
        description="The tool's exact session cookie names (no wildcards), besides "
        "request_metadata.session_cookies: generic session tokens do not count in them.",
    )
    models: list[ModelMarker] = Field(
        default_factory=list,
        description="For a blocked tool: substrings of its models' names, also under other "
        "names (derivatives, distills, vendor prefixes). A request naming one through any AI "
        "tool or router is refused (reason blocked_model). A blocked tool that lists none "
        "is matched by its id.",
    )
    opaque_models: list[NameGlob] = Field(
        default_factory=list,
        description="Globs of routing values that do not say which model serves them (the "
        "provider resolves them: OpenRouter `@preset/*`, `preset=*`, `openrouter/auto`); "
        "`field=value` globs match one routing field. See catalogue.unknown_models.",
    )
    blocked_aliases: list[NameGlob] = Field(
        default_factory=list,
        description="Globs of this tool's own names for a blocked model (Perplexity's `r1`, "
        "its R1-based `sonar-reasoning`), matched against every routing value (`value` or "
        "`field=value`): a request naming one is refused (reason blocked_model).",
    )
    routing_fields: list[RoutingKey] = Field(
        default_factory=list,
        description="Keys this tool routes by besides the catalogue's (Replicate `version`), "
        "read for opaque_models and blocked_aliases.",
    )
    paths: list[PathGlob] = Field(
        default_factory=list,
        description="For a host shared with non-AI services (www.bing.com, duckduckgo.com): "
        "only requests whose path matches one of these globs (in any form the server may "
        "read it: decoded, any case, dot segments resolved), and every protocol upgrade "
        "(websocket) on the host, are this tool: scanned. Its other requests are decrypted "
        "and forwarded unscanned, never recorded. Empty: every path.",
    )
    opaque_paths: list[NameGlob] = Field(
        default_factory=list,
        description="Globs of URL paths (no query) naming a model only by a name the tenant "
        "chose (Azure `/openai/deployments/*`, Bedrock inference profiles). See "
        "catalogue.unknown_models.",
    )
    group: ToolId | None = Field(
        default=None,
        description="A policy group the tool belongs to (`machine_translation`): "
        "catalogue.passthrough_groups can leave a whole group undecrypted.",
    )

    @model_validator(mode="after")
    def _blocked_tools_have_no_paths(self) -> Tool:
        if self.paths and self.status is ToolStatus.BLOCKED:
            raise ValueError("a blocked tool is refused on every path: remove its paths")
        if self.group and self.status is ToolStatus.BLOCKED:
            raise ValueError("a blocked tool is refused whatever its group: remove its group")
        return self

    def serves_path(self, path: str) -> bool:
        """``path`` is this tool's (always, for a tool without ``paths``)."""
        return not self.paths or matches_paths(path, self.paths)


class CatalogueSettings(BaseModel):
    """The ``catalogue:`` config section."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(
        default="catalogue.yaml",
        description="Catalogue YAML, relative to the config file that names it.",
    )
    extra_tools: list[Tool] = Field(
        default_factory=list, description="Tools added to (or replacing, by id) the file's tools."
    )
    unnamed_destinations: UnnamedDestinations = Field(
        default=UnnamedDestinations.INTERCEPT,
        description="A TLS connection that names no host (a CONNECT to an IP literal, whatever "
        "its SNI says; in transparent modes, no SNI) names no tool. `intercept` "
        "(default) decrypts it and classifies each request by its Host / :authority, so a "
        "request naming an AI tool is scanned and one naming a blocked tool is refused; "
        "`refuse` refuses such connections outright. Never passed through unseen.",
    )
    blocked_tool_page: BlockedToolPage = Field(
        default=BlockedToolPage.BROWSERS,
        description="A CONNECT to a blocked tool (DeepSeek): `browsers` (default) accepts the "
        "tunnel for web browsers (User-Agent `Mozilla/...`) and answers every request in it "
        "with the block page over TLS made with the proxy's CA, so staff read why; other "
        "clients are refused at CONNECT with 403. `all` accepts every CONNECT that way; "
        "`none` refuses them all. The blocked host is never connected to either way.",
    )
    other_tls: OtherTls = Field(
        default=OtherTls.PASSTHROUGH,
        description="A TLS connection whose CONNECT host, SNI and address all name non-AI "
        "hosts. `passthrough` (default) never decrypts it: staff traffic to banks, health "
        "sites and every other service stays unread (data minimisation, PS12/PS13), "
        "certificate-pinned apps keep working and the proxy does no TLS work for it; the "
        "price is that a client fronting an AI tool's Host behind a non-AI SNI on a shared "
        "CDN is not seen. `intercept` decrypts every such connection and classifies each "
        "request by its Host / :authority too, which closes that at those costs.",
    )
    request_metadata: RequestMetadataSettings = Field(
        default_factory=RequestMetadataSettings,
        description="Scanning of AI-tool request headers, cookies, URL path and trailers.",
    )
    routing_fields: list[RoutingKey] = Field(
        default_factory=list,
        description="JSON / form / query keys providers route by, besides the shipped ones "
        "(proxy/transport/data/routing.yaml: `fields`, and any key one of whose words is a "
        "`field_words` entry: model, bot, engine, provider...). A blocked model named in one "
        "(at any depth: OpenRouter's provider.only / order; in multipart fields and uploaded "
        "JSONL batch files too) is refused, and a routing key given twice in one object is "
        "refused (servers disagree on which wins).",
    )
    routing_headers: list[NameGlob] = Field(
        default_factory=lambda: list(routing_vocabulary().headers),
        description="Header names (globs, case-insensitive) providers and gateways route by "
        "(default: proxy/transport/data/routing.yaml `headers`): a blocked model named in one "
        "is refused, as in a routing field.",
    )
    blocked_models: list[str] = Field(
        default_factory=lambda: ["deepseek"],
        description="Case-insensitive substrings naming blocked models, besides the blocked "
        "tools' `models` in the catalogue: a request naming one wherever a provider routes "
        "by (path, query, routing fields and headers) is refused, through any AI tool.",
    )
    passthrough_groups: list[ToolId] = Field(
        default_factory=list,
        description="Tool groups (a tool's `group`) left out of the catalogue: their hosts "
        "are not AI tools, so never decrypted (TLS passthrough) nor scanned. Empty by "
        "default: machine translation (`machine_translation`) is an AI tool under the "
        'policy (README, "Machine translation").',
    )
    unknown_models: UnknownModels = Field(
        default=UnknownModels.REFUSE,
        description="A request to a tool naming its model only by a name that does not say "
        "which model serves it (the tool's opaque_models / opaque_paths: OpenRouter presets "
        "and auto router, other tenants' Azure deployments, Bedrock inference profiles and "
        "imported models). `refuse` (default: DeepSeek must never be reached, PS6) refuses "
        "it (ai.tool.blocked, reason unknown_model); `allow` scans it as usual, and a "
        "DeepSeek model behind such a name is then not seen unless the name is listed in "
        "blocked_models. The department's own deployments go in an approved tool with their "
        "exact host, which this does not touch.",
    )


class CatalogueFile(BaseModel):
    """Schema of a catalogue YAML file."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    tools: list[Tool]

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogueFile:
        seen: set[str] = set()
        for tool in self.tools:
            if tool.id in seen:
                raise ValueError(f"duplicate tool id {tool.id!r}")
            seen.add(tool.id)
        return self


#: match()'s memory: at most this many names, each at most this long.
_CACHED_NAMES = 4096
_CACHED_NAME_CHARS = 255
_UNKNOWN = object()


class Catalogue:
    """Host → tool lookup. Exact hosts are a dict hit; wildcards are checked after."""

    def __init__(self, tools: list[Tool], blocked_models: list[str] | None = None) -> None:
        self.tools: dict[str, Tool] = {t.id: t for t in tools}
        self._exact: dict[str, Tool] = {}
        self._wild: list[tuple[re.Pattern[str], Tool]] = []
        for tool in tools:
            for pattern in tool.hosts:
                if "*" in pattern:
                    self._wild.append((re.compile(fnmatch.translate(pattern)), tool))
                else:
                    # A blocked tool wins over any other claim on the same host.
                    current = self._exact.get(pattern)
                    if current is None or tool.status is ToolStatus.BLOCKED:
                        self._exact[pattern] = tool
        self._wild.sort(key=lambda item: item[1].status is not ToolStatus.BLOCKED)
        self._networks = sorted(
            ((ipaddress.ip_network(net), tool) for tool in tools for net in tool.networks),
            key=lambda item: item[1].status is not ToolStatus.BLOCKED,
        )
        markers = [m.lower() for m in (blocked_models or []) if m]
        for tool in tools:
            if tool.status is ToolStatus.BLOCKED:
                markers += tool.models or [tool.id]
        #: every blocked-model marker: the config's, and the blocked tools' ``models``
        self.blocked_markers: tuple[str, ...] = tuple(dict.fromkeys(markers))
        self._blocked_names = RoutingCheck(self.blocked_markers, ())
        self._matched: dict[str, Tool | None] = {}  # match() per host name as given

    def match_address(self, host: str) -> Tool | None:
        """The tool whose ``networks`` hold the IP literal ``host`` (blocked first), or None."""
        try:
            address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        for network, tool in self._networks:
            if address.version == network.version and address in network:
                return tool
        return None

    def match(self, host: str | None) -> Tool | None:
        """The tool serving ``host`` (case-insensitive, trailing dot ignored; an IP literal is
        looked up in the tools' ``networks``), or None. Remembered per name (every request
        of a flow asks again for the same few names; the wildcards are a regex each)."""
        if not host:
            return None
        known = self._matched.get(host, _UNKNOWN)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        tool = self._match(host)
        if len(host) <= _CACHED_NAME_CHARS:  # a DNS name's length: the memory stays bounded
            if len(self._matched) >= _CACHED_NAMES:
                self._matched.clear()
            self._matched[host] = tool
        return tool

    def _match(self, host: str) -> Tool | None:
        host = host.strip().lower().rstrip(".")
        if host[:1].isdigit() or host[:1] in "[:":
            by_address = self.match_address(host)
            if by_address is not None:
                return by_address
        tool = self._exact.get(host)
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            return tool
        for pattern, wild_tool in self._wild:
            if pattern.fullmatch(host):
                if wild_tool.status is ToolStatus.BLOCKED or tool is None:
                    return wild_tool
                break
        return tool

    def listed_exactly(self, host: str | None) -> bool:
        """``host`` is one of the catalogue's exact hosts (not only a wildcard's match)."""
        return bool(host) and host.strip().lower().rstrip(".") in self._exact

    def is_blocked_model(self, model: object) -> bool:
        """True when a request's ``model`` value names a blocked model family (e.g. DeepSeek)."""
        # what the router reads past: invisible characters (U+200B), full-width and
        # look-alike letters ("deep\u200bseek", "ｄｅｅｐｓｅｅｋ", Cyrillic "е"), separators
        return isinstance(model, str) and self._blocked_names.names_blocked(model)

    @staticmethod
    def names_blocked_alias(tool: Tool, routing_values: list[str]) -> bool:
        """A routing value (``value`` / ``field=value``) is ``tool``'s own name for a blocked
        model (its ``blocked_aliases``)."""
        return bool(tool.blocked_aliases) and any(
            matches_glob(v, tool.blocked_aliases) for v in routing_values
        )

    @staticmethod
    def names_opaque_model(tool: Tool, path: str, routing_values: list[str]) -> bool:
        """The request to ``tool`` names its model only by a name that does not say which
        model serves it: its path matches the tool's ``opaque_paths``, or a routing value
        (``value`` / ``field=value``) its ``opaque_models``."""
        bare = path.partition("#")[0].partition("?")[0]
        for _ in range(3):  # /model/arn%3Aaws%3Abedrock...%2Fapplication-inference-profile%2F...
            bare = unquote(bare)
        if tool.opaque_paths and matches_glob(bare, tool.opaque_paths):
            return True
        return bool(tool.opaque_models) and any(
            matches_glob(v, tool.opaque_models) for v in routing_values
        )

    def domains(self, status: ToolStatus | None = None) -> list[str]:
        """Every host pattern, optionally of one status (for the PAC generator)."""
        return sorted(
            {
                h
                for t in self.tools.values()
                if status is None or t.status is status
                for h in t.hosts
            }
        )
