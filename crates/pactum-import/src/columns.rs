//! The columns of each dataset, as their files name them.

/// ACLED's export columns, in the order of a current export.
pub const ACLED: &[&str] = &[
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
];

/// Columns that older ACLED exports carry besides (some of) the current ones.
pub const ACLED_OLDER: &[&str] = &["data_id", "event_id_no_cnty", "iso3"];

/// UCDP GED's columns (release 23.1), in file order.
pub const UCDP: &[&str] = &[
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
];

/// GDELT 2.0 event table columns, in file order (the files have no header row).
pub const GDELT: &[&str] = &[
    "GlobalEventID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Type",
    "Actor1Geo_FullName",
    "Actor1Geo_CountryCode",
    "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
    "SOURCEURL",
];

/// GDELT 1.0 daily files have 57 or 58 columns; said in the error when such a file is given.
pub const GDELT_V1_LENGTHS: &[usize] = &[57, 58];

/// ACLED `event_type` values, current and older, to catch misspellings in mapping files.
pub const ACLED_EVENT_TYPES: &[&str] =
    &["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"];

/// ACLED `disorder_type` values. ACLED's own data also holds the misspelling `Demostrations`,
/// which matching treats as `Demonstrations`.
pub const ACLED_DISORDER_TYPES: &[&str] = &["Political violence", "Demonstrations", "Strategic developments"];

/// ACLED actor-type codes (`inter1`, `inter2`): older exports write the number, newer ones the text.
pub const ACLED_INTER: &[(&str, &[&str])] = &[
    ("0", &["No actor"]),
    ("1", &["State forces"]),
    ("2", &["Rebel group", "Rebel groups"]),
    ("3", &["Political militia", "Political militias"]),
    ("4", &["Identity militia", "Identity militias"]),
    ("5", &["Rioters"]),
    ("6", &["Protesters"]),
    ("7", &["Civilians"]),
    ("8", &["External/Other forces", "External/other forces"]),
];

/// CAMEO root codes and their short names, for the report of unmatched GDELT rows.
pub const CAMEO_ROOTS: &[(&str, &str)] = &[
    ("01", "make public statement"),
    ("02", "appeal"),
    ("03", "express intent to cooperate"),
    ("04", "consult"),
    ("05", "engage in diplomatic cooperation"),
    ("06", "engage in material cooperation"),
    ("07", "provide aid"),
    ("08", "yield"),
    ("09", "investigate"),
    ("10", "demand"),
    ("11", "disapprove"),
    ("12", "reject"),
    ("13", "threaten"),
    ("14", "protest"),
    ("15", "exhibit force posture"),
    ("16", "reduce relations"),
    ("17", "coerce"),
    ("18", "assault"),
    ("19", "fight"),
    ("20", "use unconventional mass violence"),
];

/// UCDP's `type_of_violence` codes.
pub const UCDP_VIOLENCE: &[(&str, &str)] = &[("1", "state-based"), ("2", "non-state"), ("3", "one-sided")];

/// Finds a column of a list by name, in any case; returns the list's spelling.
pub fn find(list: &[&'static str], name: &str) -> Option<&'static str> {
    list.iter().copied().find(|c| c.eq_ignore_ascii_case(name.trim()))
}

/// A close name from a list, for "did you mean" help.
pub fn similar<'a>(list: &[&'a str], name: &str) -> Option<&'a str> {
    let lower = name.to_lowercase();
    list.iter()
        .copied()
        .map(|c| (edit_distance(&c.to_lowercase(), &lower), c))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
