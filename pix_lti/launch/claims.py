"""LTI 1.3 claim names, scopes and role vocabularies (IMS specifications), in one place."""

from __future__ import annotations

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"

MESSAGE_TYPE = _LTI + "message_type"
VERSION = _LTI + "version"
DEPLOYMENT_ID = _LTI + "deployment_id"
TARGET_LINK_URI = _LTI + "target_link_uri"
RESOURCE_LINK = _LTI + "resource_link"
ROLES = _LTI + "roles"
CONTEXT = _LTI + "context"
CUSTOM = _LTI + "custom"
LAUNCH_PRESENTATION = _LTI + "launch_presentation"
TOOL_PLATFORM = _LTI + "tool_platform"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
ALL_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)

# Custom parameters set at deep linking; the history ones are substitution variables the platform fills in.
CUSTOM_CAMPAIGN = "campaign_code"
CUSTOM_COMPETENCE = "competence"
CUSTOM_CONTEXT_HISTORY = "context_history"
CUSTOM_LINK_HISTORY = "resource_link_history"
HISTORY_VARIABLES = {CUSTOM_CONTEXT_HISTORY: "$Context.id.history", CUSTOM_LINK_HISTORY: "$ResourceLink.id.history"}

ROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/"
