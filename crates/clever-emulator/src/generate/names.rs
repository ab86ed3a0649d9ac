//! Name lists and the PRNG behind the generator. The lists deliberately mix in accents, non-Latin
//! scripts, apostrophes and hyphens, because that is where real integrations break (sorting,
//! email derivation, "first name + last initial" display).

/// splitmix64: tiny, fast and good enough for picking names; seeded from the namespace so the
/// same spec always yields the same district.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `namespace` (FNV-1a, so no extra dependency).
    pub fn from_namespace(namespace: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in namespace.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the tiny modulo bias does not matter for test data).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

/// Given names.
pub const FIRST: &[&str] = &[
    "María",
    "José",
    "Zoë",
    "Chloé",
    "Søren",
    "Björn",
    "Ana Lucía",
    "Oluwaseun",
    "Aarav",
    "Priya",
    "Fatima",
    "Mohammed",
    "Siobhán",
    "Łukasz",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Mateo",
    "Sofía",
    "Wei",
    "伟",
    "Hana",
    "Jae-won",
    "Nguyen",
    "Kofi",
    "Amara",
    "Ethan",
    "Ava",
    "Lucas",
    "Mia",
    "Elijah",
    "Isabella",
    "D'Andre",
    "Renée",
    "Zoltán",
    "Ingrid",
    "Tomás",
    "Aiyana",
    "Malik",
];

/// Family names.
pub const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "García",
    "Núñez",
    "Müller",
    "O'Brien",
    "Nguyễn",
    "Kowalski",
    "Østergaard",
    "李",
    "王",
    "Çelik",
    "Okafor",
    "Patel",
    "Kim",
    "Jean-Baptiste",
    "van der Berg",
    "Williams",
    "Brown",
    "Jones",
    "Martínez",
    "Rodríguez",
    "Hernández",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Yamamoto",
    "Ivanova",
    "Dvořák",
    "Šimková",
    "Abubakar",
    "Haddad",
    "Begay",
    "Le",
    "MacDonald",
    "St. James",
];

/// Middle names, for the few people who have one.
pub const MIDDLE: &[&str] = &["Lucía", "Marie", "James", "Ann", "José", "Kwame", "Lee"];

/// School name stems.
pub const SCHOOL: &[&str] = &[
    "Lincoln",
    "Roosevelt",
    "César Chávez",
    "Sojourner Truth",
    "Jefferson",
    "Whitman",
    "Sequoyah",
    "Maple Grove",
    "Riverside",
    "Hillcrest",
    "Oakwood",
    "Ada Lovelace",
];

/// An email local part made from a name: accents folded, anything else non-ASCII dropped.
/// Empty when nothing ASCII is left (e.g. "伟 李"), so the caller falls back to the user key.
pub fn email_local(first: &str, last: &str) -> String {
    let fold = |s: &str| -> String { s.chars().filter_map(fold_char).collect() };
    let (f, l) = (fold(first), fold(last));
    match (f.is_empty(), l.is_empty()) {
        (false, false) => format!("{f}.{l}"),
        (true, true) => String::new(),
        _ => format!("{f}{l}"),
    }
}

fn fold_char(c: char) -> Option<char> {
    let folded = match c {
        'a'..='z' | '0'..='9' => c,
        'A'..='Z' => c.to_ascii_lowercase(),
        'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'ě' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'õ' | 'ø' | 'Ø' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'ů' => 'u',
        'ñ' => 'n',
        'ç' | 'Ç' => 'c',
        'ł' | 'Ł' => 'l',
        'š' | 'Š' => 's',
        'ř' => 'r',
        'ễ' => 'e',
        _ => return None,
    };
    Some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_local_parts_fold_accents_and_drop_other_scripts() {
        assert_eq!(email_local("María", "Núñez"), "maria.nunez");
        assert_eq!(email_local("Wei", "李"), "wei");
        assert_eq!(email_local("伟", "李"), "");
        assert_eq!(email_local("D'Andre", "O'Brien"), "dandre.obrien");
    }

    #[test]
    fn rng_is_deterministic_per_namespace() {
        let (mut a, mut b) = (Rng::from_namespace("x"), Rng::from_namespace("x"));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(Rng::from_namespace("x").next_u64(), Rng::from_namespace("y").next_u64());
    }
}
