// Every scenario the recorder knows, in the order a full run records them.

import type { Scenario } from '../lib/context.ts';
import { ftpsrvClean } from './ftpsrv-clean.ts';
import { ipv6 } from './ipv6.ts';
import { downloadRst, uploadRst } from './transfer-resets.ts';
import { abor } from './abor.ts';
import { sequenceAndForeignPort } from './sequence-and-foreign-port.ts';
import { missingFileScenario, portRefusedScenario, tooManyClientsScenario, wrongPasswordScenario } from './refusals.ts';
import { controlHalfClose } from './control-half-close.ts';
import { pasvWrongAddress } from './pasv-wrong-address.ts';
import { restResume } from './rest-resume.ts';
import { ftps } from './ftps.ts';
import { ftpsTls } from './ftps-tls.ts';
import { packetLoss } from './packet-loss.ts';
import { craftedStrayAck } from './crafted-stray-ack.ts';
import { otherServersClean } from './other-servers-clean.ts';
import { pyftpdlibClean } from './pyftpdlib-clean.ts';
import { vsftpdClean } from './vsftpd-clean.ts';
import { middleboxIpsReset, middleboxNatIdle } from './middlebox.ts';
import { vxlanTunnel } from './vxlan-tunnel.ts';
import { extractFiles } from './extract-files.ts';
import { natFirewall } from './nat-firewall.ts';

export const scenarios: Scenario[] = [ftpsrvClean, vsftpdClean, pyftpdlibClean, otherServersClean, ipv6, restResume, uploadRst, downloadRst, abor, portRefusedScenario, wrongPasswordScenario, missingFileScenario, tooManyClientsScenario, sequenceAndForeignPort, pasvWrongAddress, controlHalfClose, packetLoss, ftps, ftpsTls, craftedStrayAck, middleboxNatIdle, middleboxIpsReset, vxlanTunnel, extractFiles, natFirewall];
