#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod enums;
mod envelope;
mod oauth;
mod section;
mod user;

pub use enums::{DistrictState, Gender, Grade, LinkRel, Race, RoleName, Subject, YesNo};
pub use envelope::{Envelope, Link, ListEnvelope, ListItem};
pub use oauth::{
    ApiErrorBody, DistrictToken, DistrictTokens, MeData, OAuthErrorBody, TokenInfo, TokenOwner,
    TokenResponse, UserInfo,
};
pub use section::{District, School, Section};
pub use user::{
    ContactRole, Credentials, DistrictAdminRole, LmsStatus, Name, Roles, StaffRole, StudentRole, TeacherRole,
    User,
};

/// `GET /v3.0/me` response.
pub type MeResponse = Envelope<MeData>;
/// `GET /v3.0/users/{id}` response.
pub type UserResponse = Envelope<User>;
/// A page of users.
pub type UsersResponse = ListEnvelope<User>;
/// `GET /v3.0/sections/{id}` response.
pub type SectionResponse = Envelope<Section>;
/// A page of sections.
pub type SectionsResponse = ListEnvelope<Section>;
