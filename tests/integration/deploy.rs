//! The deployment files in `deploy/` agree with each other and with the
//! binary: one replica on one volume, the store where the image's
//! entrypoint puts it, the probes on the health server, nobody root, the
//! tokens under the names the bot reads, and time to stop after the
//! shutdown grace. A change to one file that breaks another fails here.
//! Plain text and YAML only: no Docker, no cluster, no systemd.

use crate::helpers::{read_repository_file, repository_path};
use alliances::config::{
    APP_TOKEN_VAR, BOT_TOKEN_VAR, INSIGHTS_TOKEN_VAR, SIGNING_SECRET_VAR, Settings,
};
use serde::Deserialize as _;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// The port of the health server (`/healthz`, `/readyz`, `/metrics`) in a
/// container, where `health.address` is `0.0.0.0:9100`.
const HEALTH_PORT: u64 = 9100;

/// The files in `deploy/kubernetes/` that `kubectl apply -k` leaves out: a
/// Secret of placeholders, and a pod for work on a stopped bot's store.
const NOT_APPLIED: [&str; 2] = ["maintenance-pod.yaml", "secret.example.yaml"];

/// The shutdown grace the bot gives a send in flight, by default.
fn shutdown_grace_seconds() -> u64 {
    let settings = Settings::load(None, |_| None).expect("the built-in settings load");
    settings.delivery.shutdown_grace_seconds.into()
}

/// Every document of every YAML file in `deploy/kubernetes/`, with its file's name.
fn kubernetes_documents() -> Vec<(String, Value)> {
    documents_in("deploy/kubernetes")
}

/// Every document of every YAML file in the repository's `folder` (not
/// below it), with its file's name.
fn documents_in(relative: &str) -> Vec<(String, Value)> {
    let folder = repository_path(relative);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", folder.display()))
        .map(|entry| {
            entry
                .expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
        .collect();
    names.sort();
    let mut documents = Vec::new();
    for name in names {
        let text = read_repository_file(&format!("{relative}/{name}"));
        for document in serde_norway::Deserializer::from_str(&text) {
            let value = Value::deserialize(document)
                .unwrap_or_else(|error| panic!("{relative}/{name} is not valid YAML: {error}"));
            if !value.is_null() {
                documents.push((name.clone(), value));
            }
        }
    }
    documents
}

/// The one Kubernetes object of `kind` named `name`.
fn object(kind: &str, name: &str) -> Value {
    let found: Vec<Value> = kubernetes_documents()
        .into_iter()
        .map(|(_, document)| document)
        .filter(|document| document["kind"] == kind && document["metadata"]["name"] == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {kind} named {name} in deploy/kubernetes/"
    );
    found.into_iter().next().expect("one object")
}

fn statefulset() -> Value {
    object("StatefulSet", "alliances")
}

/// The StatefulSet's one container.
fn container(statefulset: &Value) -> &Value {
    let containers = statefulset
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .expect("the StatefulSet has containers");
    assert_eq!(containers.len(), 1, "one container: the bot");
    &containers[0]
}

/// The container port a probe names, by number or by name.
fn probe_port(container: &Value, probe: &str) -> u64 {
    let port = &container[probe]["httpGet"]["port"];
    if let Some(number) = port.as_u64() {
        return number;
    }
    let name = port
        .as_str()
        .unwrap_or_else(|| panic!("{probe} has no httpGet port"));
    container["ports"]
        .as_array()
        .and_then(|ports| ports.iter().find(|declared| declared["name"] == name))
        .and_then(|declared| declared["containerPort"].as_u64())
        .unwrap_or_else(|| {
            panic!("{probe} names port {name:?}, which the container does not declare")
        })
}

/// The strings of a YAML list.
fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The value following `flag` in an argument list.
fn flag_value(arguments: &[String], flag: &str) -> Option<String> {
    let at = arguments.iter().position(|argument| argument == flag)?;
    arguments.get(at + 1).cloned()
}

/// One Dockerfile instruction, its continuation lines joined.
struct Instruction {
    keyword: String,
    arguments: String,
}

/// The instructions of the Dockerfile's last stage: the image that runs.
fn runtime_stage() -> Vec<Instruction> {
    let mut instructions = dockerfile();
    let last_from = instructions
        .iter()
        .rposition(|instruction| instruction.keyword == "FROM")
        .expect("the Dockerfile has a FROM");
    instructions.split_off(last_from)
}

/// Every instruction of the Dockerfile, in order.
fn dockerfile() -> Vec<Instruction> {
    let text = read_repository_file("deploy/Dockerfile");
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || (line.is_empty() && pending.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => pending.push_str(start),
            None => {
                pending.push_str(line);
                let (keyword, arguments) = pending.split_once(' ').unwrap_or((&pending, ""));
                instructions.push(Instruction {
                    keyword: keyword.to_uppercase(),
                    arguments: arguments.trim().to_owned(),
                });
                pending.clear();
            }
        }
    }
    instructions
}

/// The arguments of the instructions called `keyword` in `stage`.
fn arguments_of(stage: &[Instruction], keyword: &str) -> Vec<String> {
    stage
        .iter()
        .filter(|instruction| instruction.keyword == keyword)
        .map(|instruction| instruction.arguments.clone())
        .collect()
}

/// The image's ENTRYPOINT, in exec form.
fn entrypoint(stage: &[Instruction]) -> Vec<String> {
    let entrypoint = arguments_of(stage, "ENTRYPOINT");
    let [entrypoint] = entrypoint.as_slice() else {
        panic!("the image has one ENTRYPOINT, not {entrypoint:?}");
    };
    serde_json::from_str(entrypoint)
        .unwrap_or_else(|error| panic!("ENTRYPOINT {entrypoint} is not exec form: {error}"))
}

/// The image's one VOLUME.
fn volume(stage: &[Instruction]) -> String {
    let volumes = arguments_of(stage, "VOLUME");
    let [volume] = volumes.as_slice() else {
        panic!("the image declares one VOLUME, not {volumes:?}");
    };
    volume
        .trim_matches(|c| matches!(c, '[' | ']' | '"'))
        .to_owned()
}

/// The numeric user the image runs as.
fn image_uid(stage: &[Instruction]) -> u64 {
    let users = arguments_of(stage, "USER");
    let user = users.last().expect("the image sets a USER");
    let uid = user.split(':').next().unwrap_or_default();
    // A number, so that Kubernetes' runAsNonRoot can check it.
    uid.parse()
        .unwrap_or_else(|_| panic!("USER {user} is not a numeric UID"))
}

#[test]
fn every_kubernetes_file_parses_and_kustomize_applies_all_but_the_examples() {
    let documents = kubernetes_documents();
    for (file, document) in &documents {
        for field in ["/apiVersion", "/kind"] {
            assert!(
                document.pointer(field).is_some_and(Value::is_string),
                "{file}: no {field}"
            );
        }
        if document["kind"] != "Kustomization" {
            assert!(
                document["metadata"]["name"].is_string(),
                "{file}: no metadata.name"
            );
        }
    }

    let kustomizations: Vec<&Value> = documents
        .iter()
        .filter(|(file, _)| file == "kustomization.yaml")
        .map(|(_, document)| document)
        .collect();
    let [kustomization] = kustomizations.as_slice() else {
        panic!("kustomization.yaml holds one document");
    };
    let resources = strings(&kustomization["resources"]);
    let files: BTreeSet<String> = documents.into_iter().map(|(file, _)| file).collect();
    let expected: BTreeSet<String> = files
        .iter()
        .filter(|file| !NOT_APPLIED.contains(&file.as_str()) && *file != "kustomization.yaml")
        .cloned()
        .collect();
    assert_eq!(
        resources.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "kustomization.yaml applies every manifest but {NOT_APPLIED:?}"
    );
}

#[test]
fn the_statefulset_runs_one_pod_with_its_volume_at_the_images_data_folder() {
    let statefulset = statefulset();
    let spec = &statefulset["spec"];
    // sled: one process per data folder.
    assert_eq!(spec["replicas"], json!(1));

    let claims = spec["volumeClaimTemplates"]
        .as_array()
        .expect("a volume claim template");
    assert_eq!(claims.len(), 1, "one volume");
    let claim = &claims[0];
    assert_eq!(strings(&claim["spec"]["accessModes"]), ["ReadWriteOnce"]);

    let stage = runtime_stage();
    let volume = volume(&stage);
    let container = container(&statefulset);
    let mount = container["volumeMounts"]
        .as_array()
        .and_then(|mounts| {
            mounts
                .iter()
                .find(|mount| mount["name"] == claim["metadata"]["name"])
        })
        .expect("the container mounts the claim");
    assert_eq!(
        mount["mountPath"],
        json!(volume),
        "the claim is mounted on the image's VOLUME"
    );

    // The image's entrypoint names the data folder; the pod must not move it.
    assert!(
        container.get("command").is_none(),
        "the pod keeps the image's ENTRYPOINT"
    );
    let data_dir =
        flag_value(&entrypoint(&stage), "--data-dir").expect("ENTRYPOINT sets --data-dir");
    assert!(
        Path::new(&data_dir).starts_with(&volume),
        "the data folder {data_dir} is on the volume {volume}, and the backups beside it too"
    );
    assert_eq!(flag_value(&strings(&container["args"]), "--data-dir"), None);

    // The governing Service exists and is headless.
    let governing = object(
        "Service",
        spec["serviceName"].as_str().expect("a serviceName"),
    );
    assert_eq!(governing["spec"]["clusterIP"], json!("None"));
}

#[test]
fn the_probes_and_the_scrape_ask_the_health_server_on_its_port() {
    let statefulset = statefulset();
    let container = container(&statefulset);
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        assert_eq!(container[probe]["httpGet"]["path"], json!(path), "{probe}");
        assert_eq!(probe_port(container, probe), HEALTH_PORT, "{probe}");
    }
    let annotations = &statefulset["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(
        annotations["prometheus.io/port"],
        json!(HEALTH_PORT.to_string())
    );
    assert_eq!(annotations["prometheus.io/path"], json!("/metrics"));

    // The settings the pod reads put the health server on that port, facing out.
    let arguments = strings(&container["args"]);
    let config = flag_value(&arguments, "--config").expect("the pod passes --config");
    let config = Path::new(&config);
    let mount = container["volumeMounts"]
        .as_array()
        .and_then(|mounts| {
            mounts
                .iter()
                .find(|mount| mount["mountPath"].as_str().map(Path::new) == config.parent())
        })
        .expect("the config file's folder is mounted");
    let map_name = statefulset["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .and_then(|volumes| {
            volumes
                .iter()
                .find(|volume| volume["name"] == mount["name"])
        })
        .and_then(|volume| volume["configMap"]["name"].as_str())
        .expect("the config folder is a ConfigMap");
    let file_name = config
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a file name");
    let toml_text = object("ConfigMap", map_name)["data"][file_name]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("ConfigMap {map_name} holds no {file_name}"));
    let settings: toml::Table =
        toml::from_str(&toml_text).expect("the ConfigMap's settings are TOML");
    assert_eq!(
        settings["health"]["address"].as_str(),
        Some(format!("0.0.0.0:{HEALTH_PORT}").as_str())
    );
    // And the bot itself accepts every setting in it.
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), &toml_text).expect("the settings are written");
    let loaded = alliances::config::Settings::load(Some(file.path()), |_| None)
        .unwrap_or_else(|err| panic!("the ConfigMap's settings load: {err}"));
    assert_eq!(loaded.health.address.port(), HEALTH_PORT as u16);

    // The image says the same, for Docker.
    let stage = runtime_stage();
    assert!(
        arguments_of(&stage, "ENV")
            .contains(&format!("ALLIANCES_HEALTH_ADDRESS=0.0.0.0:{HEALTH_PORT}")),
        "the image sets ALLIANCES_HEALTH_ADDRESS=0.0.0.0:{HEALTH_PORT}"
    );
    let exposed = arguments_of(&stage, "EXPOSE").join(" ");
    assert!(
        exposed
            .split_whitespace()
            .any(|port| port == HEALTH_PORT.to_string()),
        "EXPOSE {exposed}"
    );
}

#[test]
fn the_pod_runs_as_the_images_user_without_privileges_or_a_writable_root() {
    let statefulset = statefulset();
    let pod = &statefulset["spec"]["template"]["spec"];
    let uid = image_uid(&runtime_stage());
    assert_ne!(uid, 0, "the image's user is not root");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], json!(true));
    assert_eq!(pod["securityContext"]["runAsUser"], json!(uid));
    assert_eq!(
        pod["securityContext"]["fsGroup"],
        json!(uid),
        "the volume is the user's"
    );

    let security = &container(&statefulset)["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], json!(true));
    assert_eq!(security["allowPrivilegeEscalation"], json!(false));
    assert_eq!(strings(&security["capabilities"]["drop"]), ["ALL"]);

    let grace = pod["terminationGracePeriodSeconds"]
        .as_u64()
        .expect("a termination grace");
    assert!(
        grace > shutdown_grace_seconds(),
        "Kubernetes waits {grace} s, longer than the bot's shutdown grace"
    );
}

#[test]
fn the_tokens_come_from_a_secret_holding_exactly_the_bots_secret_variables() {
    let names: BTreeSet<&str> = [
        BOT_TOKEN_VAR,
        APP_TOKEN_VAR,
        SIGNING_SECRET_VAR,
        INSIGHTS_TOKEN_VAR,
    ]
    .into();

    let secret = object("Secret", "alliances-slack");
    let data = secret["stringData"]
        .as_object()
        .expect("the Secret example has stringData");
    assert_eq!(
        data.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        names
    );
    for (name, value) in data {
        let value = value.as_str().unwrap_or_default();
        assert!(
            value.contains("replace-me"),
            "{name} is a placeholder, never a token"
        );
    }

    let statefulset = statefulset();
    let container = container(&statefulset);
    assert_eq!(
        container["envFrom"],
        json!([{ "secretRef": { "name": "alliances-slack" } }])
    );
    // Service links would add ALLIANCES_SERVICE_HOST and the like beside
    // the bot's own ALLIANCES_* variables.
    assert_eq!(
        statefulset["spec"]["template"]["spec"]["enableServiceLinks"],
        json!(false)
    );

    // The env file systemd, Docker and `kubectl create secret` share.
    let example = read_repository_file("deploy/systemd/env.example");
    let mut named = BTreeSet::new();
    for line in example.lines().map(|line| line.trim_start_matches('#')) {
        if let Some((name, value)) = line.split_once('=')
            && name.starts_with("ALLIANCES_")
        {
            assert!(
                value.contains("replace-me"),
                "{name} is a placeholder, never a token"
            );
            named.insert(name);
        }
    }
    assert_eq!(named, names);
}

#[test]
fn the_maintenance_pod_mounts_the_statefulsets_claim_without_being_taken_for_its_pod() {
    let statefulset = statefulset();
    let pod = object("Pod", "alliances-maintenance");
    let template = statefulset["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]
        .as_str()
        .expect("the claim template's name");
    // Kubernetes names the claim of a StatefulSet's pod <template>-<set>-<ordinal>.
    let claim = format!("{template}-alliances-0");
    let data = pod["spec"]["volumes"]
        .as_array()
        .and_then(|volumes| {
            volumes
                .iter()
                .find(|volume| volume["persistentVolumeClaim"]["claimName"] == json!(claim))
        })
        .unwrap_or_else(|| panic!("the maintenance pod mounts {claim}"));
    let maintenance = &pod["spec"]["containers"][0];
    let mount = container(&statefulset)["volumeMounts"]
        .as_array()
        .and_then(|mounts| mounts.iter().find(|mount| mount["name"] == json!(template)))
        .expect("the bot mounts its claim");
    assert!(
        maintenance["volumeMounts"]
            .as_array()
            .is_some_and(|mounts| mounts
                .iter()
                .any(|other| other["name"] == data["name"]
                    && other["mountPath"] == mount["mountPath"])),
        "the maintenance pod mounts the volume where the bot does"
    );

    let selector = statefulset["spec"]["selector"]["matchLabels"]
        .as_object()
        .expect("the StatefulSet selects by labels");
    let labels = &pod["metadata"]["labels"];
    assert!(
        selector.iter().any(|(key, value)| labels[key] != *value),
        "a pod matching the StatefulSet's selector would be adopted by it"
    );
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], json!(true));
    assert_eq!(
        maintenance["securityContext"]["readOnlyRootFilesystem"],
        json!(true)
    );
}

#[test]
fn the_image_runs_as_a_numbered_user_with_ca_certificates_and_a_data_volume() {
    let stage = runtime_stage();
    assert_ne!(image_uid(&stage), 0);
    assert!(
        arguments_of(&stage, "RUN")
            .iter()
            .any(|run| run.contains("apt-get install") && run.contains("ca-certificates")),
        "the runtime image installs ca-certificates: rustls reads the system's roots"
    );
    assert_eq!(volume(&stage), "/var/lib/alliances");
    let entrypoint = entrypoint(&stage);
    assert_eq!(entrypoint.first().map(String::as_str), Some("alliances"));
    assert_eq!(arguments_of(&stage, "CMD"), [r#"["serve"]"#]);
}

#[test]
fn the_image_builds_its_dependencies_with_every_target_the_manifest_names() {
    // Cargo refuses a manifest whose targets are missing: before the first
    // `cargo build`, every benchmark must be copied in or stood in for.
    let instructions = dockerfile();
    let first_build = instructions
        .iter()
        .position(|i| i.keyword == "RUN" && i.arguments.contains("cargo build"))
        .expect("the Dockerfile builds with cargo");
    let before = &instructions[..first_build];
    let copied: Vec<String> = arguments_of(before, "COPY")
        .iter()
        .filter_map(|copy| copy.split_whitespace().next().map(str::to_owned))
        .collect();
    let build = &instructions[first_build].arguments;
    let manifest: toml::Table = read_repository_file("Cargo.toml")
        .parse()
        .expect("Cargo.toml parses");
    let benches = manifest["bench"].as_array().expect("[[bench]] targets");
    assert!(!benches.is_empty());
    for bench in benches {
        let name = bench["name"].as_str().expect("a bench has a name");
        let there = [
            format!("benches/{name}.rs"),
            format!("benches/{name}/main.rs"),
        ]
        .into_iter()
        .find(|path| repository_path(path).exists())
        .unwrap_or_else(|| panic!("the {name} benchmark is in benches/"));
        assert!(
            copied
                .iter()
                .any(|source| there.starts_with(&format!("{}/", source.trim_end_matches('/'))))
                || build.contains(&format!("> {there}")),
            "{there} is in the image before its first cargo build: {copied:?}"
        );
    }
    for stand_in in ["src/main.rs", "src/lib.rs"] {
        assert!(build.contains(stand_in), "{stand_in} is stood in for");
    }
    // Cargo also refuses a workspace whose members are missing.
    let members = manifest["workspace"]["members"]
        .as_array()
        .expect("[workspace] members");
    assert!(!members.is_empty());
    for member in members {
        let member = member.as_str().expect("a member is a path");
        assert!(
            copied.iter().any(|source| format!("{member}/")
                .starts_with(&format!("{}/", source.trim_end_matches('/')))),
            "{member} is in the image before its first cargo build: {copied:?}"
        );
    }
}

#[test]
fn the_systemd_unit_is_hardened_and_keeps_the_store_in_its_state_directory() {
    let unit = read_repository_file("deploy/systemd/alliances.service");
    let settings: Vec<(&str, &str)> = unit
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let values_of = |key: &str| -> Vec<&str> {
        settings
            .iter()
            .filter(|(name, _)| *name == key)
            .map(|(_, value)| *value)
            .collect()
    };
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("SystemCallFilter", "@system-service"),
        ("MemoryDenyWriteExecute", "yes"),
        ("StateDirectory", "alliances"),
        ("EnvironmentFile", "/etc/alliances/env"),
        ("Restart", "on-failure"),
    ] {
        assert!(
            values_of(key).contains(&value),
            "the unit sets {key}={value}"
        );
    }
    let user = values_of("User");
    assert!(
        !user.is_empty() && !user.contains(&"root"),
        "the unit runs as its own user"
    );

    let exec: Vec<String> = values_of("ExecStart")
        .first()
        .expect("an ExecStart")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(exec.last().map(String::as_str), Some("serve"));
    let data_dir = flag_value(&exec, "--data-dir").expect("ExecStart sets --data-dir");
    assert!(
        Path::new(&data_dir).starts_with("/var/lib/alliances"),
        "{data_dir} is in the state directory, the one place the unit may write"
    );

    let stop = values_of("TimeoutStopSec");
    let stop: u64 = stop
        .first()
        .and_then(|seconds| seconds.trim_end_matches('s').parse().ok())
        .expect("TimeoutStopSec in seconds");
    assert!(
        stop > shutdown_grace_seconds(),
        "systemd waits {stop} s before SIGKILL"
    );
}

/// The one object of `kind` among `documents`.
fn one_of(documents: &[(String, Value)], kind: &str) -> Value {
    let found: Vec<&Value> = documents
        .iter()
        .map(|(_, document)| document)
        .filter(|document| document["kind"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "expected one {kind}");
    found[0].clone()
}

#[test]
fn the_postgresql_variant_runs_three_replicas_on_the_database_its_cluster_makes() {
    let documents = documents_in("deploy/kubernetes/postgres");
    let kustomization = one_of(&documents, "Kustomization");
    // Everything of the folder is applied, on top of the sled variant's
    // namespace, settings and Service, without its StatefulSet.
    let mut files: Vec<String> = documents
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| name != "kustomization.yaml")
        .collect();
    files.dedup();
    let resources = strings(&kustomization["resources"]);
    assert_eq!(resources[0], "..");
    assert_eq!(resources[1..], files[..]);
    let patches = kustomization["patches"].to_string();
    for deleted in ["StatefulSet", "alliances-pods"] {
        assert!(patches.contains(deleted), "{deleted} is deleted: {patches}");
    }
    let base = documents_in("deploy/kubernetes");
    assert_eq!(
        kustomization["images"],
        one_of(&base, "Kustomization")["images"]
    );

    let deployment = one_of(&documents, "Deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], json!(3));
    let labels = &spec["selector"]["matchLabels"];
    assert_eq!(&spec["template"]["metadata"]["labels"], labels);
    let bot = container(&deployment);
    let sled_bot = statefulset();
    assert_eq!(
        bot["args"],
        container(&sled_bot)["args"],
        "the same command"
    );
    assert_eq!(
        bot["envFrom"],
        container(&sled_bot)["envFrom"],
        "the same tokens"
    );
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        assert_eq!(bot[probe]["httpGet"]["path"], json!(path), "{probe}");
        assert_eq!(probe_port(bot, probe), HEALTH_PORT, "{probe}");
    }
    let pod = &spec["template"]["spec"];
    assert_eq!(
        pod["securityContext"]["runAsUser"],
        json!(image_uid(&runtime_stage()))
    );
    assert_eq!(
        bot["securityContext"]["readOnlyRootFilesystem"],
        json!(true)
    );
    assert!(pod["volumes"].to_string().contains("alliances-config"));
    assert!(
        !pod.to_string().contains("persistentVolumeClaim"),
        "no volume"
    );

    // The database's URL comes from the Secret CloudNativePG makes for the
    // owner of the cluster's database, and goes over TLS, checked against
    // the CA it makes for the cluster.
    let cluster = one_of(&documents, "Cluster");
    assert_eq!(cluster["apiVersion"], json!("postgresql.cnpg.io/v1"));
    assert!(cluster["spec"]["instances"].as_u64() >= Some(3));
    let name = cluster["metadata"]["name"].as_str().unwrap();
    let env = bot["env"].as_array().unwrap();
    let position = |wanted: &str| {
        env.iter()
            .position(|variable| variable["name"] == wanted)
            .unwrap_or_else(|| panic!("{wanted} is given"))
    };
    let (uri, url) = (position("DATABASE_URI"), position("ALLIANCES_DATABASE_URL"));
    assert!(uri < url, "Kubernetes expands only the variables before");
    assert_eq!(
        env[uri]["valueFrom"]["secretKeyRef"],
        json!({ "name": format!("{name}-app"), "key": "uri" })
    );
    let url = env[url]["value"].as_str().unwrap();
    let ca_file = url
        .strip_prefix("$(DATABASE_URI)?sslmode=verify-full&sslrootcert=")
        .expect("the URL asks for TLS, checked against a CA file");
    let mount = bot["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|mount| ca_file.starts_with(&format!("{}/", mount["mountPath"].as_str().unwrap())))
        .expect("the CA file is mounted");
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|volume| volume["name"] == mount["name"])
        .expect("the CA's volume");
    assert_eq!(volume["secret"]["secretName"], json!(format!("{name}-ca")));
    assert!(ca_file.ends_with(volume["secret"]["items"][0]["path"].as_str().unwrap()));

    // A drain leaves at least two.
    let budget = one_of(&documents, "PodDisruptionBudget");
    assert_eq!(&budget["spec"]["selector"]["matchLabels"], labels);
    let least = budget["spec"]["minAvailable"].as_u64().unwrap();
    assert!((2..3).contains(&least), "minAvailable {least}");
}

#[test]
fn the_compose_trial_runs_two_replicas_on_one_database() {
    let text = read_repository_file("deploy/compose.yaml");
    let mut yaml: serde_norway::Value = serde_norway::from_str(&text).expect("compose.yaml parses");
    yaml.apply_merge().expect("its anchors merge");
    let compose: Value = serde_json::to_value(yaml).expect("compose.yaml is JSON-like");
    let services = compose["services"].as_object().expect("services");
    let database = &services["database"];
    assert!(
        database["healthcheck"]["test"]
            .to_string()
            .contains("pg_isready")
    );
    let bots: Vec<&Value> = services
        .iter()
        .filter(|(name, _)| name.starts_with("alliances"))
        .map(|(_, service)| service)
        .collect();
    assert_eq!(bots.len(), 2, "two replicas");
    for bot in bots {
        let url = bot["environment"]["ALLIANCES_DATABASE_URL"]
            .as_str()
            .expect("the database's URL");
        assert!(url.contains("@database:5432/"), "{url}");
        assert!(
            url.contains("${ALLIANCES_DATABASE_PASSWORD"),
            "no password written: {url}"
        );
        assert_eq!(
            bot["depends_on"]["database"]["condition"],
            json!("service_healthy")
        );
        assert_eq!(bot["read_only"], json!(true));
        assert_eq!(
            strings(&bot["command"]).last().map(String::as_str),
            Some("serve")
        );
    }
}
