/**
 * The scimmy schema classes the bridge validates against: core User extended (optionally) with the
 * enterprise extension, and core Group. Extended once at module load, never per request: scimmy's
 * schema classes are process-wide singletons.
 */
import SCIMMY from "scimmy";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

const alreadyExtended = SCIMMY.Schemas.User.definition.attributes.some((a) => a.name === ENTERPRISE_USER_SCHEMA || a.name === "EnterpriseUser");
if (!alreadyExtended) SCIMMY.Schemas.User.extend(SCIMMY.Schemas.EnterpriseUser as never, false);

export const UserSchema = SCIMMY.Schemas.User;
export const GroupSchema = SCIMMY.Schemas.Group;
export const EnterpriseUserSchema = SCIMMY.Schemas.EnterpriseUser;
export { SCIMMY };
