//! The partnership rule on a small company: Engineering, Product and Sales
//! of five people each; `UE1` leads Engineering, `UP1` leads Product and
//! `UP2` is a leader in Product.

use super::*;
use crate::domain::{Binds, SentNudge};
use crate::rules::fixtures::*;
use crate::rules::plan_nudges;

fn team(name: &str) -> TeamId {
    TeamId::parse(name).unwrap()
}

fn company() -> Vec<Person> {
    let mut people = members("UE", "Engineering", 5);
    people.extend(members("UP", "Product", 5));
    people.extend(members("US", "Sales", 5));
    for person in &mut people {
        match person.id.as_str() {
            "UE1" => person.roles.leads = Some(team("Engineering")),
            "UP1" => person.roles.leads = Some(team("Product")),
            "UP2" => person.roles.leader = true,
            _ => {}
        }
    }
    people
}

fn engineering_and_product(binds: Binds) -> Partnership {
    Partnership::new(team("Engineering"), team("Product"), 14, binds).unwrap()
}

fn snapshot(people: Vec<Person>, ties: Vec<Tie>, sent: Vec<SentNudge>) -> Snapshot {
    Snapshot::new(people, ties, sent).with_partnerships(vec![engineering_and_product(Binds::Leads)])
}

fn now() -> DateTime<Utc> {
    at(2026, 6, 1)
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

/// "to->about kind" for each nudge of the plan.
fn plan_of(snapshot: &Snapshot, at: DateTime<Utc>) -> Vec<String> {
    plan_nudges(snapshot, at, &always_open())
        .iter()
        .map(|n| format!("{}->{} {}", n.to, n.about, n.reason.kind()))
        .collect()
}

fn to(plan: &[String], who: &str) -> Vec<String> {
    plan.iter()
        .filter(|n| n.starts_with(&format!("{who}->")))
        .cloned()
        .collect()
}

#[test]
fn a_lead_whose_partnership_tie_fades_is_reminded_of_it_before_a_more_overdue_alliance() {
    let ties = vec![
        // 23 days quiet: live for the policy, fading for the partnership.
        tie("UE1", "UP3", days_ago(200), days_ago(23), 5),
        // A Sales alliance quiet for a year: the most overdue by far.
        tie("UE1", "US1", days_ago(500), days_ago(365), 8),
    ];
    let plan = plan_of(&snapshot(company(), ties.clone(), vec![]), now());
    assert_eq!(to(&plan, "UE1"), ["UE1->UP3 partnership reminder"]);

    let without = Snapshot::new(company(), ties, vec![]);
    assert_eq!(
        to(&plan_of(&without, now()), "UE1"),
        ["UE1->US1 reminder"],
        "without the partnership, the Sales alliance comes first"
    );
}

#[test]
fn the_strongest_fading_tie_is_chosen_and_its_facts_kept() {
    let ties = vec![
        tie("UE1", "UP3", days_ago(300), days_ago(30), 2),
        tie("UE1", "UP4", days_ago(300), days_ago(40), 9),
    ];
    let snapshot = snapshot(company(), ties, vec![]);
    let plan = plan_nudges(&snapshot, now(), &always_open());
    let nudge = plan.iter().find(|n| n.to == user("UE1")).unwrap();
    assert_eq!(nudge.about, user("UP4"));
    assert_eq!(nudge.about_team, team("Product"));
    let NudgeReason::Partnership(reason) = &nudge.reason else {
        panic!("a partnership nudge: {:?}", nudge.reason);
    };
    assert_eq!(
        (&reason.own_team, &reason.other_team, reason.cadence_days),
        (&team("Engineering"), &team("Product"), 14)
    );
    let fading = reason.fading.as_ref().unwrap();
    assert_eq!((fading.days_since, fading.times_met), (40, 9));
    assert_eq!(fading.last_note.as_deref(), Some("coffee"));
}

#[test]
fn a_lead_without_a_partnership_tie_is_introduced_to_the_other_team_s_lead() {
    let ties = vec![tie("UE1", "US1", days_ago(500), days_ago(365), 8)];
    let plan = plan_of(&snapshot(company(), ties, vec![]), now());
    assert_eq!(
        to(&plan, "UE1"),
        ["UE1->UP1 partnership introduction"],
        "Product's designated lead before its leader"
    );
    // Product's leads have no tie in Engineering either: UP1's
    // introduction to UE1 is the one UE1 has (other rules may still speak
    // to UP1), and UP2 is introduced too.
    assert!(to(&plan, "UP1").iter().all(|n| !n.contains("partnership")));
    assert_eq!(to(&plan, "UP2"), ["UP2->UE1 partnership introduction"]);
    assert!(to(&plan, "UE2").iter().all(|n| !n.contains("partnership")));
}

#[test]
fn a_live_partnership_tie_leaves_the_person_to_the_other_rules() {
    let ties = vec![
        tie("UE1", "UP3", days_ago(200), days_ago(10), 5),
        tie("UE1", "US1", days_ago(500), days_ago(365), 8),
    ];
    let plan = plan_of(&snapshot(company(), ties, vec![]), now());
    assert_eq!(to(&plan, "UE1"), ["UE1->US1 reminder"]);
}

#[test]
fn a_reminded_pair_rests_for_the_partnership_s_cadence_and_other_nudges_may_come_meanwhile() {
    let ties = vec![
        tie("UE1", "UP3", days_ago(200), days_ago(40), 5),
        tie("UE1", "US1", days_ago(500), days_ago(365), 8),
    ];
    let sent = |days| {
        vec![SentNudge {
            reason: None,
            ..sent_nudge("UE1", "UP3", days_ago(days))
        }]
    };
    let plan = plan_of(&snapshot(company(), ties.clone(), sent(10)), now());
    assert_eq!(
        to(&plan, "UE1"),
        ["UE1->US1 reminder"],
        "the partnership waits, and another alliance may be raised meanwhile"
    );
    let plan = plan_of(&snapshot(company(), ties, sent(14)), now());
    assert_eq!(to(&plan, "UE1"), ["UE1->UP3 partnership reminder"]);
}

#[test]
fn an_introduction_is_not_repeated_and_then_the_other_rules_may_speak() {
    let ties = vec![tie("UE1", "US1", days_ago(500), days_ago(365), 8)];
    let mut people = company();
    people[6].roles.leader = false; // UP2 leads nothing now
    let introduced = |days| SentNudge {
        reason: plan_nudges(
            &snapshot(people.clone(), ties.clone(), vec![]),
            now(),
            &always_open(),
        )
        .into_iter()
        .find(|n| n.to == user("UE1"))
        .map(|n| n.reason),
        ..sent_nudge("UE1", "UP1", days_ago(days))
    };
    let plan = plan_of(
        &snapshot(people.clone(), ties.clone(), vec![introduced(20)]),
        now(),
    );
    assert_eq!(
        to(&plan, "UE1"),
        ["UE1->US1 reminder"],
        "Product's only lead was suggested lately: nobody left to introduce"
    );
    let long_ago = introduced(183);
    let plan = plan_of(&snapshot(people, ties, vec![long_ago]), now());
    assert_eq!(to(&plan, "UE1"), ["UE1->UP1 partnership introduction"]);
}

#[test]
fn someone_bound_by_two_partnerships_hears_of_the_most_overdue() {
    let sales = Partnership::new(team("Sales"), team("Engineering"), 30, Binds::Leads).unwrap();
    let ties = vec![
        tie("UE1", "UP3", days_ago(200), days_ago(20), 5), // 20 of 14 days
        tie("UE1", "US3", days_ago(200), days_ago(90), 5), // 90 of 30 days
    ];
    let both = |ties| {
        Snapshot::new(company(), ties, vec![])
            .with_partnerships(vec![engineering_and_product(Binds::Leads), sales.clone()])
    };
    assert_eq!(
        to(&plan_of(&both(ties), now()), "UE1"),
        ["UE1->US3 partnership reminder"]
    );
    let never_met_product = vec![tie("UE1", "US3", days_ago(200), days_ago(90), 5)];
    assert_eq!(
        to(&plan_of(&both(never_met_product), now()), "UE1"),
        ["UE1->UP1 partnership introduction"],
        "never met is the most overdue"
    );
}

#[test]
fn with_everyone_bound_every_engineer_keeps_a_tie_and_one_tie_is_raised_once_a_run() {
    let ties = vec![
        tie("UE2", "UP3", days_ago(200), days_ago(40), 5),
        tie("UE1", "UP1", days_ago(200), days_ago(40), 5),
    ];
    let snapshot = Snapshot::new(company(), ties, vec![])
        .with_partnerships(vec![engineering_and_product(Binds::Everyone)]);
    let plan = plan_of(&snapshot, now());
    assert_eq!(to(&plan, "UE2"), ["UE2->UP3 partnership reminder"]);
    assert_eq!(to(&plan, "UE1"), ["UE1->UP1 partnership reminder"]);
    assert_eq!(
        to(&plan, "UP1"),
        Vec::<String>::new(),
        "UE1 has their tie this run; UP1 waits for it"
    );
    assert!(
        to(&plan, "UP3").is_empty(),
        "UP3 is bound by nothing, and the pair is raised once"
    );
}

#[test]
fn nobody_opted_out_snoozed_or_paused_is_nudged_about_and_nobody_unreachable_is_bound() {
    let ties = vec![tie("UE1", "UP3", days_ago(200), days_ago(40), 5)];
    let mut people = company();
    people[7].snoozed_until = Some(now() + Duration::days(3)); // UP3
    people[5].opted_out = true; // UP1, Product's lead
    let plan = plan_of(&snapshot(people.clone(), ties.clone(), vec![]), now());
    assert_eq!(
        to(&plan, "UE1"),
        ["UE1->UP2 partnership introduction"],
        "UP3 is snoozed and UP1 opted out: Product's leader is next"
    );
    assert!(to(&plan, "UP1").is_empty(), "opted out: not bound");

    people[0].paused.insert(user("UP2"));
    let plan = plan_of(&snapshot(people.clone(), ties.clone(), vec![]), now());
    assert!(
        to(&plan, "UE1").iter().all(|n| !n.contains("UP2")),
        "{plan:?}"
    );

    people[0].deactivated = true;
    let plan = plan_of(&snapshot(people, ties, vec![]), now());
    assert!(to(&plan, "UE1").is_empty());
}

#[test]
fn a_live_tie_with_someone_who_left_or_opted_out_is_no_partnership_tie() {
    for gone in ["deactivated", "opted out"] {
        let mut people = company();
        let up3 = people.iter_mut().find(|p| p.id == user("UP3")).unwrap();
        match gone {
            "deactivated" => up3.deactivated = true,
            _ => up3.opted_out = true,
        }
        let ties = vec![
            tie("UE1", "UP3", days_ago(100), days_ago(2), 5),
            tie("UE1", "UP4", days_ago(300), days_ago(30), 3),
        ];
        let plan = plan_of(&snapshot(people, ties, vec![]), now());
        assert_eq!(
            to(&plan, "UE1"),
            ["UE1->UP4 partnership reminder"],
            "the tie with UP3, {gone}, keeps nothing live"
        );
    }
}

#[test]
fn a_team_s_lead_who_sits_in_another_team_is_introduced_and_then_counts() {
    let mut people = company();
    for person in &mut people {
        match person.id.as_str() {
            // Product's lead sits in Sales; UP1 and UP2 lead no more.
            "US1" => person.roles.leads = Some(team("Product")),
            "UP1" => person.roles.leads = None,
            "UP2" => person.roles.leader = false,
            _ => {}
        }
    }
    let plan = plan_of(&snapshot(people.clone(), vec![], vec![]), now());
    assert_eq!(
        to(&plan, "UE1"),
        ["UE1->US1 partnership introduction"],
        "{plan:?}"
    );

    let met = vec![tie("UE1", "US1", days_ago(30), days_ago(2), 3)];
    let plan = plan_of(&snapshot(people, met, vec![]), now());
    assert!(
        to(&plan, "UE1").iter().all(|n| !n.contains("partnership")),
        "a live tie with Product's lead keeps the partnership: {plan:?}"
    );
}

#[test]
fn a_lead_is_introduced_to_one_person_a_run_so_a_whole_team_is_not_sent_at_once() {
    let everyone = vec![engineering_and_product(Binds::Everyone)];
    let first = Snapshot::new(company(), vec![], vec![]).with_partnerships(everyone.clone());
    let plan = plan_nudges(&first, now(), &always_open());
    let introductions = |plan: &[Nudge]| -> Vec<(String, String)> {
        plan.iter()
            .filter(|n| n.reason.kind() == "partnership introduction")
            .map(|n| (n.to.to_string(), n.about.to_string()))
            .collect()
    };
    let introduced = introductions(&plan);
    for lead in ["UP1", "UP2"] {
        let times = introduced.iter().filter(|(_, about)| about == lead).count();
        assert_eq!(times, 1, "{lead} in {introduced:?}");
    }
    // Past the introductions' cooldown, with those sent, the others'
    // turn has come.
    let sent: Vec<SentNudge> = plan.iter().map(|n| SentNudge::of(n, now())).collect();
    let later = Snapshot::new(company(), vec![], sent).with_partnerships(everyone);
    let next = introductions(&plan_nudges(
        &later,
        now() + Duration::days(30),
        &always_open(),
    ));
    assert!(!next.is_empty());
    assert!(
        next.iter().all(|pair| !introduced.contains(pair)),
        "{next:?} after {introduced:?}"
    );
}
