// Package dns holds saker's DNS evidence: messages decoded from packets (pcap and pcapng files,
// capture bundles' DNS segments) and from socket payloads the sensor recorded, TCP reassembly
// for both, the merge of sightings of one transaction, `dns` meta events, and Index, which names
// an IP as DNS answers did at a given time. It imports event and gopacket only.
package dns
