"""Image references and their resolution through OCI registries (for DF001).

Importing this package stays cheap: httpx is imported by `fixer.images.registry` only, on the first
lookup that needs the network.
"""

from fixer.images.reference import InvalidReferenceError, Reference, parse_reference
from fixer.images.resolve import PinMode, Resolution, Resolver, ResolverOptions, make_resolver

__all__ = [
    "InvalidReferenceError",
    "PinMode",
    "Reference",
    "Resolution",
    "Resolver",
    "ResolverOptions",
    "make_resolver",
    "parse_reference",
]
