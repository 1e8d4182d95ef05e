//! [`IdpUser`]: the IdP user profile a policy is evaluated against, Okta's "IdP user" (the
//! NameID and the asserted attributes).

use std::collections::BTreeMap;

use saml_core::VerifiedAssertion;

/// The NameID Format for persistent identifiers (SAML core §8.3.7).
pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// The IdP user: what Okta calls the IdP user profile (`idpuser.*` in templates). Built from
/// a [`VerifiedAssertion`] with [`IdpUser::from_assertion`], or directly in tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdpUser {
    /// `idpuser.subjectNameId`: the NameID value.
    pub subject_name_id: String,
    /// `idpuser.subjectNameFormat`: the NameID Format, if any.
    pub subject_name_format: Option<String>,
    /// `idpuser.subjectNameQualifier`: the NameID's NameQualifier, if any.
    pub subject_name_qualifier: Option<String>,
    /// `idpuser.subjectSpNameQualifier`: the NameID's SPNameQualifier, if any.
    pub subject_sp_name_qualifier: Option<String>,
    /// The asserted attributes: name → values, attributes of the same name merged in
    /// document order.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl IdpUser {
    /// A user with this NameID value, no Format, no qualifiers and no attributes.
    pub fn new(subject_name_id: impl Into<String>) -> Self {
        Self {
            subject_name_id: subject_name_id.into(),
            ..Self::default()
        }
    }

    /// The IdP user of a verified assertion: its NameID (value, Format, qualifiers) and its
    /// attributes by Name.
    pub fn from_assertion(assertion: &VerifiedAssertion) -> Self {
        let name_id = assertion.name_id();
        let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for attribute in assertion.attributes() {
            attributes
                .entry(attribute.name.clone())
                .or_default()
                .extend(attribute.values.iter().cloned());
        }
        Self {
            subject_name_id: name_id.value.clone(),
            subject_name_format: name_id.format.clone(),
            subject_name_qualifier: name_id.name_qualifier.clone(),
            subject_sp_name_qualifier: name_id.sp_name_qualifier.clone(),
            attributes,
        }
    }

    /// Sets the NameID Format.
    pub fn with_format(mut self, format: impl Into<String>) -> Self {
        self.subject_name_format = Some(format.into());
        self
    }

    /// Sets the NameID Format to persistent ([`PERSISTENT`]).
    pub fn persistent(self) -> Self {
        self.with_format(PERSISTENT)
    }

    /// Adds values to an attribute.
    pub fn with_attribute<I, V>(mut self, name: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        self.attributes
            .entry(name.into())
            .or_default()
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// Whether the NameID is persistent: the only kind a sticky link is recorded for and
    /// looked up by.
    pub fn is_persistent(&self) -> bool {
        self.subject_name_format.as_deref() == Some(PERSISTENT)
    }

    /// The values of an attribute. The name is matched exactly, or else ignoring ASCII case
    /// when exactly one attribute has that name in another case (Okta matches attribute
    /// names without case); `None` when absent or when the case-insensitive match is ambiguous.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        if let Some(values) = self.attributes.get(name) {
            return Some(values);
        }
        let mut found = self
            .attributes
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some((_, values)), None) => Some(values),
            _ => None,
        }
    }
}
