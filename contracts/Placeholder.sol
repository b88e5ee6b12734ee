// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

contract Placeholder is ERC721 {
    constructor() ERC721("Placeholder", "PH") {}
}
