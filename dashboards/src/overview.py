"""Swarm overview: nodes, services desired vs running, tasks, updates, failures, leader."""
from grafana import (dashboard, dashboard_link, leader, override, query_var, row, stat, table,
                     target, timeseries)

UID = "swarmscope-overview"
UPDATING = 'state=~"updating|rollback_started"'
ROLLED_BACK = 'state=~"rollback_completed|rollback_paused|paused"'


def raw(metric, selector=""):
    """A service series of the selected stacks, for a `max by` that drops the writer's labels."""
    return metric + "{" + 'stack=~"$stack"' + ("," + selector if selector else "") + "}"


def svc(metric, selector=""):
    """A leader-written service series of the selected stacks, without the writer's labels."""
    return leader(raw(metric, selector))



def nodes(selector):
    return leader("docker_swarm_node_info{" + selector + "}")


def build():
    return dashboard(
        UID, "Swarm overview",
        "The swarm at a glance, from the leader's docker collector: nodes, services desired "
        "vs running (global services included), tasks by state, updates and rollbacks.",
        [
            row("Nodes"),
            stat("Nodes", "Nodes in the swarm (docker_swarm_node_info).",
                 ["count(" + leader("docker_swarm_node_info") + ")"], "none"),
            stat("Nodes not ready", "Nodes whose state is not ready (down, unknown, disconnected).",
                 ["count(" + nodes('state!="ready"') + ") or vector(0)"],
                 "none", steps=("green", (1, "red"))),
            stat("Nodes not active", "Nodes drained or paused (availability other than active).",
                 ["count(" + nodes('availability!="active"') + ") or vector(0)"],
                 "none", steps=("green", (1, "orange"))),
            stat("Managers", "Manager nodes; an odd number of 3 or more keeps a quorum through one loss.",
                 ["count(" + nodes('role="manager"') + ")"], "none",
                 steps=("orange", (3, "green"))),
            stat("Managers unreachable", "Managers whose Raft reachability is not reachable.",
                 ["count(" + nodes('role="manager",manager_reachability!="reachable"') + ") or vector(0)"], "none", steps=("green", (1, "red"))),
            stat("Leader", "The manager that leads the Raft cluster (and writes the swarm series).",
                 [target('max by (hostname) (docker_swarm_node_info{leader="true"})',
                         "{{hostname}}")], "none", text_mode="name"),
            table("Swarm nodes", "Every node with its role, availability, state and engine, "
                  "from the leader's /nodes. Click a host name for its node dashboard.",
                  ["max by (hostname, role, availability, state, leader, manager_reachability, "
                   "engine_version) (docker_swarm_node_info)"],
                  "none", h=7,
                  columns={"hostname": "Node", "role": "Role", "availability": "Availability",
                           "state": "State", "leader": "Leader",
                           "manager_reachability": "Reachability", "engine_version": "Engine"},
                  links=[dashboard_link("swarmscope-nodes", "Node dashboard", "node", "Node")]),
            row("Services"),
            stat("Services", "Swarm services (docker_swarm_service_info).",
                 ["count(" + svc("docker_swarm_service_info") + ")"], "none"),
            stat("Services missing tasks", "Services running fewer tasks than desired.",
                 ["count(" + svc("docker_swarm_service_running_tasks") + " < "
                  + svc("docker_swarm_service_desired_tasks") + ") or vector(0)"],
                 "none", steps=("green", (1, "red"))),
            stat("Services updating", "Services whose update or rollback is in progress.",
                 ["count(" + svc("docker_swarm_service_update_state", UPDATING) + " == 1) or vector(0)"],
                 "none", steps=("green", (1, "blue"))),
            stat("Services rolled back or paused", "Services whose last update was rolled back or paused.",
                 ["count(" + svc("docker_swarm_service_update_state", ROLLED_BACK) + " == 1) or vector(0)"],
                 "none", steps=("green", (1, "orange"))),
            stat("Tasks running", "Tasks running now, over all services.",
                 ["sum(" + svc("docker_swarm_service_running_tasks") + ")"], "none"),
            stat("Tasks failed", "Tasks in the task history the swarm keeps that failed or were "
                 "rejected (their services' task history limit bounds them).",
                 ["sum(" + svc("docker_swarm_service_tasks", 'state=~"failed|rejected"') + ") or vector(0)"],
                 "none", steps=("green", (1, "orange"))),
            table("Services: desired vs running", "Every service with its mode and image, the tasks "
                  "it should run (one per eligible node for global services) and those running.",
                  ["max by (service_name, stack, mode, image) (" + raw("docker_swarm_service_info") + ")",
                   "max by (service_name, stack) (" + raw("docker_swarm_service_desired_tasks") + ")",
                   "max by (service_name, stack) (" + raw("docker_swarm_service_running_tasks") + ")"],
                  "none", h=9,
                  columns={"service_name": "Service", "stack": "Stack", "mode": "Mode",
                           "image": "Image", "Value #B": "Desired", "Value #C": "Running"},
                  links=[dashboard_link("swarmscope-services", "Service dashboard", "service", "Service")]),
            timeseries("Missing tasks by service", "Desired minus running tasks, per service: "
                       "above 0 while a service is short of tasks.",
                       [target("sum by (service_name) (" + svc("docker_swarm_service_desired_tasks")
                               + ") - sum by (service_name) (" + svc("docker_swarm_service_running_tasks") + ")",
                               "{{service_name}}")], "none"),
            timeseries("Tasks by state", "Tasks of every service by state, including the history "
                       "the swarm keeps (failed, shutdown, rejected, ...).",
                       [target("sum by (state) (" + svc("docker_swarm_service_tasks") + ")", "{{state}}")],
                       "none", stack=True),
            table("Services with failed tasks", "Services with failed, rejected or orphaned tasks "
                  "in their task history: where to look first (docker service ps --no-trunc).",
                  ["sum by (service_name, stack, state) ("
                   + svc("docker_swarm_service_tasks", 'state=~"failed|rejected|orphaned"') + ") > 0"],
                  "none", w=12,
                  columns={"service_name": "Service", "stack": "Stack", "state": "State",
                           "Value": "Tasks"}),
            table("Service updates", "The state of each service's last update or rollback "
                  "(services never updated have none).",
                  ["max by (service_name, stack, state) (" + raw("docker_swarm_service_update_state")
                   + ") == 1"],
                  "none", w=12,
                  columns={"service_name": "Service", "stack": "Stack", "state": "Update state"},
                  overrides=[override("Update state", custom_width=160)]),
        ],
        variables=[query_var("stack", "Stack", "label_values(docker_swarm_service_info, stack)")],
    )
