//! The depth and complexity limits, applied before async-graphql's own
//! rules: an operation may nest its fields at most `graphql.max_depth`
//! deep and select at most `graphql.max_complexity` fields (each spread of
//! a fragment counting its fields again, as async-graphql counts), neither
//! counting what lies below an introspection field (`__schema`, `__type`),
//! and a document may ask for `__schema` once. With `graphql.introspection`
//! off, a document with an introspection field is refused (async-graphql
//! alone would answer it with nulls). The standard introspection queries of
//! GraphiQL, graphql-codegen, Rover, Postman and Insomnia nest `ofType`
//! eight levels below `__schema`, deeper than any ordinary operation needs;
//! async-graphql's depth rule counts them like any field and refused them.
//! Below an introspection field the bound is graphql-js's
//! (`MaxIntrospectionDepthRule`): lists of types' members (`fields`,
//! `inputFields`, `interfaces`, `possibleTypes`) nest at most three deep,
//! since each level multiplies the answer by the schema's size.
//! The directive limit stays async-graphql's.

use std::collections::HashMap;

use async_graphql::ServerError;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned};
use domain::config::GraphqlSettings;

/// Introspection fields whose selections do not count toward the depth.
const INTROSPECTION: [&str; 2] = ["__schema", "__type"];

/// How many times one document may select `__schema`.
const SCHEMAS_PER_DOCUMENT: usize = 1;

/// Lists of a type's members, and how deep they may nest below an
/// introspection field.
const MEMBER_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];
const MEMBER_LISTS_DEPTH: usize = 3;

/// What a walk measures.
#[derive(Clone, Copy)]
enum Measure {
    /// Fields, each one level, not descending into introspection fields.
    Fields,
    /// Fields, each counted, not descending into introspection fields.
    Complexity,
    /// Member lists only, descending into everything.
    MemberLists,
}

/// Refuses a document nested deeper than `max_depth`, or asking for the
/// whole schema more than once.
pub fn check(document: &ExecutableDocument, limits: &GraphqlSettings) -> Result<(), ServerError> {
    let (max_depth, max_complexity) = (limits.max_depth, limits.max_complexity);
    let mut fields = Walk::new(document, Measure::Fields);
    let deepest = document
        .operations
        .iter()
        .map(|(_, operation)| fields.depth(&operation.node.selection_set))
        .max()
        .unwrap_or(0);
    if deepest > max_depth {
        return Err(ServerError::new(
            format!("The operation nests fields {deepest} deep; at most {max_depth} are allowed."),
            None,
        ));
    }
    let mut complexity = Walk::new(document, Measure::Complexity);
    let most = document
        .operations
        .iter()
        .map(|(_, operation)| complexity.depth(&operation.node.selection_set))
        .max()
        .unwrap_or(0);
    if most > max_complexity {
        return Err(ServerError::new(
            format!(
                "The operation is too complex: it selects {most} fields; at most {max_complexity} are allowed."
            ),
            None,
        ));
    }
    // Every introspection field where it is written, in operations and
    // fragments alike.
    let mut roots = Vec::new();
    for (_, operation) in document.operations.iter() {
        introspection_in(&operation.node.selection_set, &mut roots);
    }
    for fragment in document.fragments.values() {
        introspection_in(&fragment.node.selection_set, &mut roots);
    }
    if !roots.is_empty() && !limits.introspection {
        return Err(ServerError::new(
            "Introspection is turned off on this server (graphql.introspection).",
            None,
        ));
    }
    let schemas = roots.iter().filter(|(name, _)| *name == "__schema").count();
    if schemas > SCHEMAS_PER_DOCUMENT {
        return Err(ServerError::new(
            format!("A document may select __schema at most {SCHEMAS_PER_DOCUMENT} time."),
            None,
        ));
    }
    let mut lists = Walk::new(document, Measure::MemberLists);
    for (name, set) in roots {
        let depth = lists.depth(set);
        if depth > MEMBER_LISTS_DEPTH {
            return Err(ServerError::new(
                format!(
                    "Below {name}, lists of fields, input fields, interfaces and possible types nest {depth} deep; at most {MEMBER_LISTS_DEPTH} are allowed."
                ),
                None,
            ));
        }
    }
    Ok(())
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    measure: Measure,
    /// The depth of each fragment's selections, once walked.
    fragments: HashMap<&'a Name, usize>,
    /// Fragments being walked (a cycle counts nothing; validation refuses
    /// it afterwards).
    visiting: Vec<&'a Name>,
}

impl<'a> Walk<'a> {
    fn new(document: &'a ExecutableDocument, measure: Measure) -> Self {
        Self {
            document,
            measure,
            fragments: HashMap::new(),
            visiting: Vec::new(),
        }
    }

    /// How deep what the walk measures nests in `set` (for `Complexity`:
    /// how many fields it selects).
    fn depth(&mut self, set: &'a Positioned<SelectionSet>) -> usize {
        let mut deepest = 0;
        let mut total = 0;
        for selection in &set.node.items {
            let depth = match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    match self.measure {
                        Measure::Fields | Measure::Complexity if INTROSPECTION.contains(&name) => 1,
                        Measure::Fields | Measure::Complexity => {
                            1 + self.depth(&field.node.selection_set)
                        }
                        Measure::MemberLists => {
                            usize::from(MEMBER_LISTS.contains(&name))
                                + self.depth(&field.node.selection_set)
                        }
                    }
                }
                Selection::InlineFragment(fragment) => self.depth(&fragment.node.selection_set),
                Selection::FragmentSpread(spread) => {
                    self.fragment_depth(&spread.node.fragment_name.node)
                }
            };
            deepest = deepest.max(depth);
            total += depth;
        }
        match self.measure {
            Measure::Complexity => total,
            Measure::Fields | Measure::MemberLists => deepest,
        }
    }

    fn fragment_depth(&mut self, name: &'a Name) -> usize {
        if let Some(&depth) = self.fragments.get(name) {
            return depth;
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return 0; // unknown: validation refuses it
        };
        if self.visiting.contains(&name) {
            return 0;
        }
        self.visiting.push(name);
        let depth = self.depth(&fragment.node.selection_set);
        self.visiting.pop();
        self.fragments.insert(name, depth);
        depth
    }
}

/// The introspection fields `set` selects, with their selections; spreads
/// are not followed (each fragment is looked at where it is defined).
fn introspection_in<'a>(
    set: &'a Positioned<SelectionSet>,
    found: &mut Vec<(&'a str, &'a Positioned<SelectionSet>)>,
) {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if INTROSPECTION.contains(&name) {
                    found.push((name, &field.node.selection_set));
                } else {
                    introspection_in(&field.node.selection_set, found);
                }
            }
            Selection::InlineFragment(fragment) => {
                introspection_in(&fragment.node.selection_set, found)
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}
