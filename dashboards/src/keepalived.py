"""keepalived / VIP: which node holds each virtual IP over time, VRRP states and priorities,
failovers, adverts, split-brain and no-master periods. keepalived_vip_present and the wire
series are the node's own view (rtnetlink, adverts seen on its links); the VRRP series come
from keepalived's dumps."""
from grafana import dashboard, query_var, row, stat, state_timeline, table, target, timeseries

UID = "swarmscope-keepalived"
RATE = "[$__rate_interval]"
VIP = 'vip=~"$vip"'
INST = 'iname=~"$instance"'
VRRP_STATES = {"0": ("INIT", "blue"), "1": ("BACKUP", "green"), "2": ("MASTER", "purple"),
               "3": ("FAULT", "red"), "4": ("transition", "orange")}
HELD = {"0": ("not held", "transparent"), "1": ("holds the VIP", "green")}
PROBLEM = {"0": ("ok", "green"), "1": ("yes", "red")}


def build():
    return dashboard(
        UID, "keepalived and virtual IPs",
        "Which node holds each virtual IP over time, keepalived's VRRP instances (states, "
        "priorities, failovers, adverts) and what the wire shows (split brain, no master).",
        [
            row("Virtual IPs"),
            stat("VIP holders", "Nodes holding each VIP now: 1 is healthy, 0 nobody serves it, 2 "
                 "or more is split brain.",
                 [target(f"sum by (vip) (keepalived_vip_present{{{VIP}}})", "{{vip}}")], "none",
                 w=8, steps=("red", (1, "green"), (2, "red")), color_mode="background"),
            stat("keepalived up", "Nodes whose keepalived dumps are current, of those with keepalived.",
                 ["sum(keepalived_up)"], "none", w=4),
            stat("Failovers (24h)", "Times a VRID's master changed on the wire in the last day.",
                 ["max by (vrid) (increase(keepalived_wire_master_changes_total[24h]))"], "none",
                 w=4, steps=("green", (1, "orange"))),
            table("Where each VIP is", "The node holding each VIP now and the interface.",
                  [f"max by (vip, node_name, intf) (keepalived_vip_interface_info{{{VIP}}})"], "none",
                  w=8, h=4, columns={"vip": "VIP", "node_name": "Node", "intf": "Interface"}),
            state_timeline("VIP holder over time", "Per VIP and node: when the node held the VIP.",
                           [target(f"max by (vip, node_name) (keepalived_vip_present{{{VIP}}})",
                                   "{{vip}} on {{node_name}}")], HELD, h=7),
            row("VRRP instances"),
            state_timeline("Instance state by node", "Each VRRP instance's state on each node, from "
                           "keepalived's dumps.",
                           [target(f"max by (iname, node_name) (keepalived_vrrp_state{{{INST}}})",
                                   "{{iname}} on {{node_name}}")], VRRP_STATES, h=7),
            timeseries("Priorities", "Each instance's effective priority (after tracked scripts and "
                       "interfaces) per node; the highest wins the election.",
                       [target(f"keepalived_vrrp_effective_priority{{{INST}}}", "{{iname}} on {{node_name}}")],
                       "none"),
            timeseries("Adverts", "Adverts sent and received per second, per instance and node.",
                       [target(f"rate(keepalived_advertisements_sent_total{{{INST}}}{RATE})",
                               "{{iname}} {{node_name}} sent"),
                        target(f"rate(keepalived_advertisements_received_total{{{INST}}}{RATE})",
                               "{{iname}} {{node_name}} received")], "pps"),
            timeseries("Became master", "Times an instance became master, per interval (keepalived's count).",
                       [target(f"increase(keepalived_become_master_total{{{INST}}}{RATE})",
                               "{{iname}} on {{node_name}}")], "none"),
            timeseries("Advert errors", "Invalid VRRP packets seen on the wire, by cause, per second.",
                       [target(f"sum by (node_name, cause) (rate(keepalived_wire_packet_errors_total{RATE}))",
                               "{{node_name}} {{cause}}")], "pps"),
            row("The wire"),
            state_timeline("Split brain", "Per VRID: two sources advertising as master at once.",
                           [target("max by (vrid, intf) (keepalived_wire_split_brain)", "VRID {{vrid}} {{intf}}")],
                           PROBLEM, w=12, h=5),
            state_timeline("No master", "Per VRID: no source's adverts are current (nobody is master).",
                           [target("max by (vrid, intf) (keepalived_wire_no_master)", "VRID {{vrid}} {{intf}}")],
                           PROBLEM, w=12, h=5),
            table("Masters on the wire", "The master of each VRID as each node's link shows it, and "
                  "the priority it advertises.",
                  ["max by (node_name, intf, vrid, master_ip) (keepalived_wire_master_info) == 1",
                   "max by (node_name, intf, vrid) (keepalived_wire_master_priority)"],
                  "none", w=12, columns={"vrid": "VRID", "intf": "Interface", "master_ip": "Master",
                                         "node_name": "Seen from", "Value #B": "Priority"}),
            timeseries("Advertised priorities", "The priority in each source's last advert, per VRID.",
                       [target("max by (vrid, source) (keepalived_wire_advert_priority)",
                               "VRID {{vrid}} from {{source}}")], "none"),
            timeseries("Dump age", "How old keepalived's dumps are on each node (they are refreshed "
                       "every KEEPALIVED_DUMP_INTERVAL seconds).",
                       [target("time() - keepalived_dump_timestamp_seconds", "{{node_name}} {{file}}")], "s"),
        ],
        variables=[
            query_var("vip", "VIP", "label_values(keepalived_vip_present, vip)"),
            query_var("instance", "Instance", "label_values(keepalived_vrrp_state, iname)"),
        ],
    )
