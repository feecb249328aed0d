/**
 * rtnetlink, typed: links, addresses, routes, neighbours and bridge FDB entries, rules, and
 * notifications, on top of the {@link Rtnl} route socket; plus address text helpers.
 *
 * @example
 * ```ts
 * import { addAddress, addLink, addRoute, Rtnl, watch } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addLink(rt, { name: "v0", kind: "veth", peer: "v1", up: true });
 * await addAddress(rt, { dev: "v0", address: "192.0.2.1/24" });
 * await addRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.2" });
 * await using events = await watch(rt, { groups: ["link"] });
 * ```
 *
 * @module
 */
export * from "./rtnl.ts";
export * from "./addr_text.ts";
export * from "./link.ts";
export * from "./address.ts";
export * from "./route.ts";
export * from "./neigh.ts";
export * from "./rule.ts";
export * from "./watch.ts";
export * from "./tc.ts";
export * from "./neightbl.ts";
export * from "./netconf.ts";
export * from "./nsid.ts";
export * from "./stats.ts";
export * from "./mcast.ts";
export * from "./tuntap.ts";
export { PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES } from "./_names.ts";
// What the API above refers to, re-exported so the module documents on its own: the codec
// and socket, and the generated rtnetlink tables as namespaces.
export * from "../../codec/mod.ts";
export * from "../../socket/socket.ts";
export * from "../../socket/netns.ts";
export * as rtLink from "../generated/rt_link.ts";
export * as rtAddr from "../generated/rt_addr.ts";
export * as rtRoute from "../generated/rt_route.ts";
export * as rtNeigh from "../generated/rt_neigh.ts";
export * as rtRule from "../generated/rt_rule.ts";
export * as tc from "../generated/tc.ts";
export type {
  AfSpecAttrs,
  BondAdInfoAttrs,
  BondSlaveAttrs,
  BrBooloptMulti,
  HwSInfoOne,
  Ifinfomsg,
  Ifla6Attrs,
  IflaAttrs,
  IflaBridgeId,
  IflaCacheinfo,
  IflaGenevePortRange,
  IflaVfGuid,
  IflaVfLinkState,
  IflaVfMac,
  IflaVfRate,
  IflaVfRssQueryEn,
  IflaVfSpoofchk,
  IflaVfTrust,
  IflaVfTxRate,
  IflaVfVlan,
  IflaVfVlanInfo,
  IflaVlanFlags,
  IflaVlanQos,
  IflaVlanQosMapping,
  IfStatsMsg,
  LinkAttrs,
  LinkDpllPinAttrs,
  LinkinfoAttrs,
  LinkinfoBondAttrs,
  LinkinfoBridgeAttrs,
  LinkinfoBrportAttrs,
  LinkinfoDataMsg,
  LinkinfoGeneveAttrs,
  LinkinfoGre6Attrs,
  LinkinfoGreAttrs,
  LinkinfoIp6tnlAttrs,
  LinkinfoIptunAttrs,
  LinkinfoMemberDataMsg,
  LinkinfoNetkitAttrs,
  LinkinfoOvpnAttrs,
  LinkinfoTunAttrs,
  LinkinfoVlanAttrs,
  LinkinfoVrfAttrs,
  LinkinfoVti6Attrs,
  LinkinfoVtiAttrs,
  LinkOffloadXstats,
  MctpAttrs,
  PortSelfAttrs,
  PropListLinkAttrs,
  Rtgenmsg,
  RtnlLinkIfmap,
  RtnlLinkStats,
  RtnlLinkStats64,
  StatsAttrs,
  VfinfoAttrs,
  VfinfoListAttrs,
  VfPortsAttrs,
  VfStatsAttrs,
  VfVlanAttrs,
  XdpAttrs,
} from "../generated/rt_link.ts";
export type { AddrAttrs, IfaCacheinfo, Ifaddrmsg } from "../generated/rt_addr.ts";
export type { Metrics, RouteAttrs, RtaCacheinfo, Rtmsg } from "../generated/rt_route.ts";
export type {
  NdaCacheinfo,
  Ndmsg,
  NdtAttrs,
  NdtConfig,
  Ndtmsg,
  NdtpaAttrs,
  NdtStats,
  NeighbourAttrs,
} from "../generated/rt_neigh.ts";
export type {
  FibRuleAttrs,
  FibRuleHdr,
  FibRulePortRange,
  FibRuleUidRange,
  Operations as RuleOperationTable,
  Rtgenmsg as RuleRtgenmsg,
} from "../generated/rt_rule.ts";
export type {
  ActAttrs,
  ActBpfAttrs,
  ActConnmarkAttrs,
  ActCsumAttrs,
  ActCtAttrs,
  ActCtinfoAttrs,
  ActGactAttrs,
  ActGateAttrs,
  ActIfeAttrs,
  ActMirredAttrs,
  ActMplsAttrs,
  ActNatAttrs,
  ActOptionsMsg,
  ActPeditAttrs,
  ActSampleAttrs,
  ActSimpleAttrs,
  ActSkbeditAttrs,
  ActSkbmodAttrs,
  ActTunnelKeyAttrs,
  ActVlanAttrs,
  Attrs,
  BasicAttrs,
  BpfAttrs,
  CakeAttrs,
  CakeStatsAttrs,
  CakeTinStatsAttrs,
  CbsAttrs,
  CgroupAttrs,
  ChokeAttrs,
  CodelAttrs,
  DrrAttrs,
  Dualpi2Attrs,
  EmatchAttrs,
  EtfAttrs,
  EtsAttrs,
  FlowAttrs,
  FlowerAttrs,
  FlowerKeyCfmAttrs,
  FlowerKeyEncOptErspanAttrs,
  FlowerKeyEncOptGeneveAttrs,
  FlowerKeyEncOptGtpAttrs,
  FlowerKeyEncOptsAttrs,
  FlowerKeyEncOptVxlanAttrs,
  FlowerKeyMplsOptAttrs,
  FqAttrs,
  FqCodelAttrs,
  FqPieAttrs,
  FwAttrs,
  GnetEstimator,
  GnetStatsBasic,
  GnetStatsQueue,
  GnetStatsRateEst,
  GnetStatsRateEst64,
  GredAttrs,
  HfscAttrs,
  HhfAttrs,
  HtbAttrs,
  MatchallAttrs,
  NetemAttrs,
  NetemLossAttrs,
  OptionsMsg,
  PieAttrs,
  PoliceAttrs,
  QfqAttrs,
  RedAttrs,
  RouteAttrs as TcRouteAttrs,
  TaprioAttrs,
  TaprioSchedEntry,
  TaprioSchedEntryList,
  TaprioTcEntryAttrs,
  TbfAttrs,
  TcaGredVqEntryAttrs,
  TcaGredVqListAttrs,
  TcaStabAttrs,
  TcaStatsAppMsg,
  TcaStatsAttrs,
  TcBasicPcnt,
  TcCbsQopt,
  TcChokeXstats,
  TcCodelXstats,
  TcDualpi2Xstats,
  TcEtfQopt,
  TcfEmatchTreeHdr,
  TcFifoQopt,
  TcFqCodelXstats,
  TcFqPieXstats,
  TcFqQdStats,
  TcfT,
  TcGact,
  TcGactP,
  TcGredQopt,
  TcGredSopt,
  TcHfscQopt,
  TcHhfXstats,
  TcHtbGlob,
  TcHtbOpt,
  TcMatchallPcnt,
  TcMpls,
  TcMqprioQopt,
  Tcmsg,
  TcMultiqQopt,
  TcNetemCorr,
  TcNetemCorrupt,
  TcNetemGemodel,
  TcNetemGimodel,
  TcNetemQopt,
  TcNetemRate,
  TcNetemReorder,
  TcNetemSlot,
  TcPeditKey,
  TcPeditSel,
  TcPieXstats,
  TcPlugQopt,
  TcPolice,
  TcPrioQopt,
  TcRatespec,
  TcRedQopt,
  TcRedXstats,
  TcSfbQopt,
  TcSfbXstats,
  TcSfqQopt,
  TcSfqQoptV1,
  TcSfqredStats,
  TcSfqXstats,
  TcSizespec,
  TcStats,
  TcTbfQopt,
  TcU32Key,
  TcU32Mark,
  TcU32Pcnt,
  TcU32Sel,
  TcVlan,
  U32Attrs,
} from "../generated/tc.ts";
export { IFA_FLAGS } from "../generated/rt_addr.ts";
export { NUD_STATE } from "../generated/rt_neigh.ts";
