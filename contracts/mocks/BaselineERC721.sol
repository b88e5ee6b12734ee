// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Benchmark baseline: a plain OpenZeppelin ERC-721 whose mint is just `_mint`.
contract BaselineERC721 is ERC721 {
    constructor() ERC721("Baseline", "BASE") {}

    /// @notice Mints `tokenId` to `to` with no checks. Benchmark only.
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
